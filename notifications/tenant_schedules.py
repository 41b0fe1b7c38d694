"""Schedules per kommune (issue 13): the nudge, the summaries and the reminders at each kommune's own time.

Why split jobs rather than one job that checks the clock per kommune: APScheduler then keeps each
kommune's misfire grace, coalescing and catch-up at start-up exactly as for the shared job. The
shared job (the environment's time) skips the kommuner that chose their own; a kommune created
later uses the shared time until it sets one (`trad org set --nudge-schedule …`, applied at the
scheduler's next start). Housekeeping, the Teams auto-install and the Entra sync are the
installation's own work, not a kommune's, and keep the environment's time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from models.services import tenants
from models.settings import Settings
from models.uow import UnitOfWork
from notifications.jobs import JOBS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("trad.jobs")
PER_KOMMUNE = {"monthly_nudge": "nudge_schedule", "summaries": "summary_schedule",  # job id -> OrgSettings field
               "deadline_reminders": "deadline_reminder_schedule", "governance_reminders": "governance_reminder_schedule",
               "indicator_reminders": "indicator_reminder_schedule"}
SCHEDULE_ATTR = "trad_schedule"  # a job carrying this attribute is scheduled by it (scheduler.add_jobs)


def per_kommune(jobs: Mapping[str, Callable[[], Any]], engine: Engine, settings: Settings) -> dict[str, Callable[[], Any]]:
    """`jobs` with a `<job>@<slug>` job (`monthly_nudge@alver`) for each kommune with a time of its own."""
    try:
        with UnitOfWork(engine).read() as tx:
            own = tenants.own_schedules(tx)
            slugs = {t.id: t.slug for t in tenants.list_tenants(tx, settings)} if own else {}
    except Exception:  # noqa: BLE001 - no database yet: every kommune keeps the shared times
        log.exception("could not read the kommuner's own schedules; using the shared ones")
        return dict(jobs)
    out = dict(jobs)
    for job_id, field in PER_KOMMUNE.items():
        chosen = {oid: times[field] for oid, times in own.items() if field in times and oid in slugs}
        if job_id not in jobs or not chosen:
            continue
        out[job_id] = partial(JOBS[job_id], engine=engine, settings=settings, skip=frozenset(chosen))
        for oid, text in chosen.items():
            job = partial(JOBS[job_id], engine=engine, settings=settings, only=oid)
            setattr(job, SCHEDULE_ATTR, text)
            out[f"{job_id}@{slugs[oid]}"] = job
    return out
