"""Every router under `/admin`, in the order they must be matched (fixed paths before `{id}` paths)."""

from __future__ import annotations

from fastapi import APIRouter

from forms.staff.admin_checklist_pages import router as checklist_router
from forms.staff.admin_index import router as index_router
from forms.staff.admin_oppdrag_routes import ADMIN_OPPDRAG_ROUTERS
from forms.staff.admin_people_pages import router as people_router
from forms.staff.admin_settings_pages import logo_router
from forms.staff.admin_settings_pages import router as settings_router
from forms.staff.admin_unit_pages import router as unit_router

ADMIN_ROUTERS: tuple[APIRouter, ...] = (index_router, *ADMIN_OPPDRAG_ROUTERS, checklist_router, settings_router,
                                       logo_router, people_router, unit_router)
