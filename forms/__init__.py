"""The web side: FastAPI routes and Jinja2 templates (anonymous varsling, forms, leader view)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.wiring import Wiring


def mount(app: FastAPI, wiring: Wiring) -> None:
    """Add the web routes: the anonymous varsling pages, the recipients' case view and the staff pages.

    The wiring is kept on `app.state` for the routes' dependencies (`forms.deps`).
    """
    from forms.deps import keep_wiring
    from forms.locale import LocaleMiddleware
    from forms.staff import mount as mount_staff
    from forms.teams_tab import mount as mount_tab
    from forms.tenancy import TenantMiddleware
    from forms.varsling.web import mount as mount_varsling

    keep_wiring(app, wiring)
    app.add_middleware(LocaleMiddleware, default_locale=wiring.settings.default_locale,
                       secure=wiring.settings.public_base_url.startswith("https"))
    mount_varsling(app, wiring.settings)
    mount_staff(app, wiring.settings)
    mount_tab(app, wiring.settings)
    _add_favicon(app)
    # Last, so outermost: every other middleware (varsling's privacy rules) sees the path without `/k/<slug>`.
    app.add_middleware(TenantMiddleware, settings=wiring.settings)


def _add_favicon(app: FastAPI) -> None:
    """The red thread on blue, at the address every browser asks for first (no 404 in every log)."""
    from pathlib import Path

    from fastapi.responses import FileResponse

    icon = Path(__file__).resolve().parent / "static" / "favicon.svg"

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(icon, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
