"""The web side: FastAPI routes and Jinja2 templates (anonymous varsling, forms, leader view)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from models.settings import Settings


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the web routes: the anonymous varsling pages, the recipients' case view and the staff pages."""
    from forms.staff import mount as mount_staff
    from forms.varsling.web import mount as mount_varsling

    mount_varsling(app, settings)
    mount_staff(app, settings)
