"""The one Jinja2 environment for every web page (staff and varsling templates live side by side)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from models import i18n

FORMS_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(FORMS_DIR / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
# Templates mark their text with {{ _("…") }} / {% trans %}; the language is the request's (models/i18n.py).
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals.update(fmt_date=i18n.fmt_date, fmt_datetime=i18n.fmt_datetime, fmt_number=i18n.fmt_number,
                             fmt_percent=i18n.fmt_percent, current_locale=i18n.current_locale)


def render(request: Request, name: str, context: Mapping[str, Any], status_code: int = 200) -> Response:
    """An HTML page from `forms/templates/<name>`."""
    return templates.TemplateResponse(request, name, dict(context), status_code=status_code)
