"""Staff web pages (sign-in link, Mine saker, avvik form, leader view, checklist, oppdrag) for people without chat."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from models.settings import Settings


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the staff routes and their stylesheet. The CSRF/form-token secret is SECRET_KEY (or var/secret_key)."""
    from fastapi.staticfiles import StaticFiles

    from forms.staff import avvik_pages, leader_pages, oppdrag_pages, signin, styringskort_pages
    from forms.staff.admin_routes import ADMIN_ROUTERS
    from forms.staff.governance_routes import GOVERNANCE_ROUTERS
    from forms.varsling.security import load_secret

    app.state.staff_secret = load_secret(settings)
    app.mount("/static/staff", StaticFiles(directory=str(Path(__file__).resolve().parent / "static")),
              name="staff-static")
    for module in (signin, avvik_pages, leader_pages, oppdrag_pages, styringskort_pages):
        app.include_router(module.router)
    for router in GOVERNANCE_ROUTERS + ADMIN_ROUTERS:
        app.include_router(router)
