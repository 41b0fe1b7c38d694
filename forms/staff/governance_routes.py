"""The routers of the ROS register, tilsyn, årshjul and calendar pages, in the order they must be matched.

Fixed paths (`/risiko/ny`, `/risiko/matrise`) come before `/risiko/{id}` and its sub-pages.
"""

from __future__ import annotations

from fastapi import APIRouter

from forms.staff.arshjul_pages import router as arshjul_router
from forms.staff.calendar_pages import feed_router
from forms.staff.calendar_pages import router as calendar_router
from forms.staff.risk_action_pages import router as risk_action_router
from forms.staff.risk_edit_pages import router as risk_edit_router
from forms.staff.risk_pages import router as risk_router
from forms.staff.tilsyn_finding_pages import router as finding_router
from forms.staff.tilsyn_pages import router as tilsyn_router

GOVERNANCE_ROUTERS: tuple[APIRouter, ...] = (
    risk_edit_router, risk_router, risk_action_router, tilsyn_router, finding_router, arshjul_router,
    calendar_router, feed_router,
)
