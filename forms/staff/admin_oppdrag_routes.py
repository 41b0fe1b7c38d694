"""The routers of the oppdrag administration, in the order they must be matched (fixed paths first)."""

from __future__ import annotations

from fastapi import APIRouter

from forms.staff.admin_oppdrag_edit_pages import router as edit_router
from forms.staff.admin_oppdrag_pages import router as letters_router

ADMIN_OPPDRAG_ROUTERS: tuple[APIRouter, ...] = (letters_router, edit_router)
