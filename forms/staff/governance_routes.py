"""The routers of the ROS register, tilsyn, årshjul and calendar pages, in the order they must be matched.

Fixed paths (`/risiko/ny`, `/risiko/matrise`) come before `/risiko/{id}` and its sub-pages.
"""

from __future__ import annotations

from fastapi import APIRouter

from forms.staff import (
    arshjul_pages,
    calendar_pages,
    risk_action_pages,
    risk_edit_pages,
    risk_pages,
    tilsyn_finding_pages,
    tilsyn_pages,
)

GOVERNANCE_ROUTERS: tuple[APIRouter, ...] = (
    risk_edit_pages.router, risk_pages.router, risk_action_pages.router, tilsyn_pages.router,
    tilsyn_finding_pages.router, arshjul_pages.router, calendar_pages.router, calendar_pages.feed_router,
)
