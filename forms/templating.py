"""The one Jinja2 environment for every web page (staff and varsling templates live side by side)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from forms.badges import light_badge, risk_badge
from forms.locale import lang_url
from models import i18n

FORMS_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(FORMS_DIR / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
# Templates mark their text with {{ _("…") }} / {% trans %}; the language is the request's (models/i18n.py).
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
def tr(value: object) -> str:
    """Translate a marked string that reaches the template as a value (a page title, a field label, an error).

    Unlike `_()` in templates it never %-formats and never marks the text safe, so a value that holds
    what a person wrote (not a msgid) passes through unchanged and escaped.
    """
    if value is None:
        return ""
    return i18n.gettext(str(value))


templates.env.globals.update(tr=tr, pgettext=i18n.pgettext, fmt_date=i18n.fmt_date, fmt_datetime=i18n.fmt_datetime, fmt_number=i18n.fmt_number,
                             fmt_percent=i18n.fmt_percent, current_locale=i18n.current_locale,
                             locale_names=i18n.LOCALE_NAMES, lang_url=lang_url,
                             risk_badge=risk_badge, light_badge=light_badge)


def render(request: Request, name: str, context: Mapping[str, Any], status_code: int = 200) -> Response:
    """An HTML page from `forms/templates/<name>`."""
    return templates.TemplateResponse(request, name, dict(context), status_code=status_code)
