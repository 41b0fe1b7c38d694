"""The scheduled jobs. Each only enqueues (idempotently); the outbox worker delivers.

Jobs are plain synchronous functions: APScheduler's AsyncIOScheduler runs them in a
thread so the database work never blocks the server's event loop. Because every
message has a unique dedupe key, a job that runs twice (two schedulers, a catch-up
after a restart) enqueues nothing new the second time.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import select

from models.db import get_engine, session_scope
from models.periods import Period, period_of
from models.settings import get_settings
from models.tables import Organisation
from models.tables._common import utcnow

log = logging.getLogger("trad.jobs")


def _roles(settings: Any) -> tuple[str, ...]:
    return tuple(r.strip() for r in settings.nudge_roles.split(",") if r.strip())


def monthly_nudge(now: datetime | None = None, *, engine: Any = None, settings: Any = None) -> dict[str, int]:
    """Enqueue this month's nudge for every leader in every organisation."""
    from models.services.nudges import run_nudges

    settings = settings or get_settings()
    now = now or utcnow()
    period = period_of(now, "month", settings.tz_name).key
    totals = {"leaders": 0, "enqueued": 0, "already_there": 0}
    with session_scope(engine or get_engine()) as s:
        for org_id in s.exec(select(Organisation.id)).all():
            r = run_nudges(session=s, period=period, org_id=org_id, now=now, all_clear=settings.nudge_all_clear,
                           roles=_roles(settings), tz=settings.tz_name)
            totals["leaders"] += r.leaders
            totals["enqueued"] += r.enqueued
            totals["already_there"] += r.already_there
    log.info("monthly nudge %s: %s", period, totals)
    return totals


def _find_service(name: str) -> Callable[..., Any] | None:
    """A use case another feature may provide somewhere in models.services (imported defensively)."""
    import models.services as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        try:
            mod = importlib.import_module(f"models.services.{info.name}")
        except Exception:  # noqa: BLE001, S112  - a broken sibling module must not stop the reminders
            continue
        fn = getattr(mod, name, None)
        if callable(fn):
            return fn
    return None


def deadline_reminders(now: datetime | None = None, *, engine: Any = None, settings: Any = None) -> dict[str, int]:
    """Weekly: tiltak past deadline to their owners, and varsling deadlines (if that feature is installed)."""
    from models.services.nudges import send_tiltak_deadline_reminders

    settings = settings or get_settings()
    now = now or utcnow()
    out = {"tiltak": 0, "varsling": 0}
    with session_scope(engine or get_engine()) as s:
        out["tiltak"] = send_tiltak_deadline_reminders(session=s, now=now, tz=settings.tz_name)
    varsling = _find_service("send_varsling_deadline_reminders")
    if varsling is not None:
        with session_scope(engine or get_engine()) as s:
            out["varsling"] = int(varsling(session=s, now=now) or 0)
    log.info("deadline reminders: %s", out)
    return out


def due_summary_periods(now: datetime, tz: str = "Europe/Oslo") -> list[Period]:
    """The periods that ended just before `now`: last month; last tertial in Jan/May/Sep; last year in January."""
    month = period_of(now, "month", tz)
    out = [month.previous()]
    if month.index in (1, 5, 9):
        out.append(period_of(now, "tertial", tz).previous())
    if month.index == 1:
        out.append(period_of(now, "year", tz).previous())
    return out


def summaries(now: datetime | None = None, *, engine: Any = None, settings: Any = None) -> dict[str, int]:
    """Post the month / tertial / year summaries to the leadership channel (reports.posting)."""
    settings = settings or get_settings()
    now = now or utcnow()
    try:
        from reports.posting import enqueue_summary, summary_targets  # type: ignore[import-not-found]
    except ImportError:
        log.info("reports.posting is not installed: no summaries to post")
        return {"posted": 0}
    posted = 0
    with session_scope(engine or get_engine()) as s:
        for org_id in s.exec(select(Organisation.id)).all():
            for p in due_summary_periods(now, settings.tz_name):
                if enqueue_summary(session=s, org_id=org_id, period_key=p.key, targets=summary_targets(settings),
                                   tz_name=settings.tz_name):
                    posted += 1
    return {"posted": posted}


def housekeeping(now: datetime | None = None, *, engine: Any = None, settings: Any = None) -> dict[str, int]:
    """Daily: expired sign-in links and sessions, old inbound-event ids, and varsling cases past retention.

    Varsling cases are deleted automatically only once exported for the archive; an admin
    decides about the rest with `trad varsling retention`.
    """
    from models.services.inbound import prune_events

    settings = settings or get_settings()
    now = now or utcnow()
    out = {"web": 0, "inbound": 0, "varsling": 0}
    with session_scope(engine or get_engine()) as s:
        out["inbound"] = prune_events(session=s)
    web_purge = _find_service_in("models.services.web_auth", "purge_expired")
    if web_purge is not None:
        with session_scope(engine or get_engine()) as s:
            out["web"] = int(web_purge(session=s, now=now) or 0)
    retention = _find_service_in("models.services.varsling_retention", "purge_expired")
    days = getattr(settings, "varsling_retention_days", None)
    if retention is not None and days:
        from models.periods import local_date

        with session_scope(engine or get_engine()) as s:
            out["varsling"] = len(retention(session=s, today=local_date(now, settings.tz_name), retention_days=days,
                                            only_exported=True))
    log.info("housekeeping: %s", out)
    return out


def _find_service_in(module: str, name: str) -> Callable[..., Any] | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None
