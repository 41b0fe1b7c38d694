"""Wiring: templates, static files, the privacy middleware and both routers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from forms.varsling.security import FailureLimiter, PrivacyMiddleware, load_secret
from models.settings import Settings

FORMS_DIR = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(FORMS_DIR / "templates"))


def mount(app: FastAPI, settings: Settings) -> None:
    from forms.varsling import recipients, reporter

    limiter = FailureLimiter()
    app.state.varsling_limiter = limiter
    app.state.varsling_secret = load_secret(settings)
    app.add_middleware(PrivacyMiddleware, limiter=limiter)
    app.mount("/varsling/static", StaticFiles(directory=str(FORMS_DIR / "static")), name="varsling-static")
    app.include_router(recipients.router)
    app.include_router(reporter.router)


def render(request: Any, name: str, context: dict[str, Any], status_code: int = 200):  # type: ignore[no-untyped-def]
    return templates.TemplateResponse(request, name, context, status_code=status_code)
