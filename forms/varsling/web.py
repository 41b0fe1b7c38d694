"""Wiring of the varsling pages: static files, the privacy middleware and the routers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from forms.templating import FORMS_DIR
from forms.varsling import mottak_cases, mottak_entra, mottak_signin, reporter
from forms.varsling.security import FailureLimiter, PrivacyMiddleware, load_secret
from models.settings import Settings


def mount(app: FastAPI, settings: Settings) -> None:
    limiter = FailureLimiter()
    app.state.varsling_limiter = limiter
    app.state.varsling_secret = load_secret(settings)
    app.add_middleware(PrivacyMiddleware, limiter=limiter)
    app.mount("/varsling/static", StaticFiles(directory=str(FORMS_DIR / "static")), name="varsling-static")
    for module in (mottak_signin, mottak_entra, mottak_cases, reporter):
        app.include_router(module.router)
