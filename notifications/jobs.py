"""The scheduled jobs. Each only enqueues (idempotently); the outbox worker delivers.

Jobs are plain synchronous functions: APScheduler's AsyncIOScheduler runs them in a
thread so the database work never blocks the server's event loop. Because every
message has a unique dedupe key, a job that runs twice (two schedulers, a catch-up
after a restart) enqueues nothing new the second time.

Every job takes the engine and the settings from the composition root (`bot.main.build_jobs`
binds them), and reaches the database only through use cases in `models.services` and `reports`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from models.i18n import use_locale
from models.periods import Period, local_date, period_of
from models.services import (
    inbound,
    nudges,
    org,
    outbox_links,
    tenants,
    varsling_casework,
    varsling_retention,
    web_auth,
)
from models.services.indicator_reminders import indicator_reminder_job
from models.settings import Settings
from models.uow import Tx, UnitOfWork
from reports.posting import enqueue_summary, summary_targets

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("trad.jobs")

Job = Callable[[], dict[str, int]]


def _roles(settings: Settings) -> tuple[str, ...]:
    return tuple(r.strip() for r in settings.nudge_roles.split(",") if r.strip())


def _orgs(tx: Tx, only: int | None, skip: frozenset[int]) -> list[int]:
    """The kommuner a run is for: one (its own schedule), or all but those with their own schedule."""
    return [only] if only is not None else [i for i in org.org_ids(tx) if i not in skip]


def monthly_nudge(now: datetime | None = None, *, engine: Engine, settings: Settings, only: int | None = None,
                  skip: frozenset[int] = frozenset()) -> dict[str, int]:
    """Enqueue this month's nudge for every leader in every organisation (or `only` one, or all but `skip`)."""
    now = now or datetime.now(UTC)
    period = period_of(now, "month", settings.tz_name).key
    totals = {"leaders": 0, "enqueued": 0, "already_there": 0}
    uow = UnitOfWork(engine)
    with uow.read() as tx:
        kommuner = [(org_id, tenants.org_locale(tx, org_id, settings)) for org_id in _orgs(tx, only, skip)]
    with uow.write() as tx:  # only the enqueues write; the reads go through read-only sessions
        for org_id, locale in kommuner:
            with use_locale(locale):
                r = nudges.run_nudges(session=tx, period=period, org_id=org_id, now=now, reader=uow.read,
                                      all_clear=settings.nudge_all_clear, roles=_roles(settings), tz=settings.tz_name)
            totals["leaders"] += r.leaders
            totals["enqueued"] += r.enqueued
            totals["already_there"] += r.already_there
    log.info("monthly nudge %s: %s", period, totals)
    return totals


def deadline_reminders(now: datetime | None = None, *, engine: Engine, settings: Settings, only: int | None = None,
                       skip: frozenset[int] = frozenset()) -> dict[str, int]:
    """Weekly: tiltak past deadline to their owners, and varsling deadlines to the recipients."""
    now = now or datetime.now(UTC)
    uow = UnitOfWork(engine)
    out = {"tiltak": 0, "varsling": 0}
    with uow.read() as tx:
        org_ids = _orgs(tx, only, skip)
    for org_id in org_ids:
        with uow.write() as tx:
            out["tiltak"] += nudges.send_tiltak_deadline_reminders(session=tx, now=now, tz=settings.tz_name,
                                                                   org_id=org_id)
        with uow.write() as tx:
            out["varsling"] += int(varsling_casework.send_varsling_deadline_reminders(
                session=tx, now=now, tz=settings.tz_name,  # links: each case's own kommune's address
                escalate_after_days=settings.varsling_escalate_after_days, org_id=org_id) or 0)
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


def summaries(now: datetime | None = None, *, engine: Engine, settings: Settings, only: int | None = None,
              skip: frozenset[int] = frozenset()) -> dict[str, int]:
    """Post the month / tertial / year summaries to each kommune's leadership channel (reports.posting)."""
    now = now or datetime.now(UTC)
    posted = 0
    with UnitOfWork(engine).write() as tx:
        for org_id in _orgs(tx, only, skip):
            own = tenants.settings_for(tx, org_id, settings)
            targets = own.leadership_targets() or summary_targets(settings)
            with use_locale(own.locale):
                for p in due_summary_periods(now, settings.tz_name):
                    if enqueue_summary(session=tx, org_id=org_id, period_key=p.key, targets=targets,
                                       tz_name=settings.tz_name, locale=own.locale):
                        posted += 1
    return {"posted": posted}


def housekeeping(now: datetime | None = None, *, engine: Engine, settings: Settings) -> dict[str, int]:
    """Daily: expired sign-in links and sessions, old inbound-event ids, and varsling cases past retention.

    Varsling cases are deleted automatically only once exported for the archive; an admin
    decides about the rest with `trad varsling retention`.
    """
    now = now or datetime.now(UTC)
    uow = UnitOfWork(engine)
    out = {"web": 0, "inbound": 0, "varsling": 0, "links_scrubbed": 0}
    with uow.write() as tx:
        out["inbound"] = inbound.prune_events(session=tx)
    with uow.write() as tx:
        out["web"] = int(web_auth.purge_expired(session=tx, now=now) or 0)
    with uow.write() as tx:  # plain sign-in links left in delivered rows by older versions
        out["links_scrubbed"] = outbox_links.scrub_delivered(session=tx)
    if settings.varsling_retention_days:
        with uow.write() as tx:
            out["varsling"] = len(varsling_retention.purge_expired(
                session=tx, today=local_date(now, settings.tz_name), retention_days=settings.varsling_retention_days,
                only_exported=True))
    log.info("housekeeping: %s", out)
    return out


def governance_reminders(now: datetime | None = None, *, engine: Engine, settings: Settings, only: int | None = None,
                         skip: frozenset[int] = frozenset()) -> dict[str, int]:
    """Daily: risk reviews due, tilsyn finding deadlines and årshjul activities at their lead time, once each."""
    from models.services.governance_reminders import send_all

    out: dict[str, int] = {}
    with UnitOfWork(engine).write() as tx:
        for org_id in _orgs(tx, only, skip):
            for key, n in send_all(session=tx, now=now or datetime.now(UTC), tz=settings.tz_name,
                                   org_id=org_id).items():
                out[key] = out.get(key, 0) + n
    log.info("governance reminders: %s", out)
    return out


JOBS: dict[str, Callable[..., dict[str, int]]] = {
    "monthly_nudge": monthly_nudge, "deadline_reminders": deadline_reminders,
    "summaries": summaries, "housekeeping": housekeeping, "governance_reminders": governance_reminders,
    "indicator_reminders": indicator_reminder_job,
}


def bind_jobs(engine: Engine, settings: Settings) -> dict[str, Job]:
    """Every scheduled job with this process's engine and settings bound, ready for the scheduler."""
    return {name: partial(fn, engine=engine, settings=settings) for name, fn in JOBS.items()}
