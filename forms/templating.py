"""The one Jinja2 environment for every web page (staff and varsling templates live side by side)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

FORMS_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(FORMS_DIR / "templates"))


def render(request: Request, name: str, context: Mapping[str, Any], status_code: int = 200) -> Response:
    """An HTML page from `forms/templates/<name>`."""
    return templates.TemplateResponse(request, name, dict(context), status_code=status_code)
