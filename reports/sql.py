"""Shared pieces of the summary SQL: table handles, bind parameters, the Core connection.

Every statement of the summaries is built once per process (`functools.cache`, one per
statement) with bind parameters for the organisation and the period bounds. Building a Core
statement and generating its cache key cost about as much as running a small aggregate, so a
summary that rebuilt them per call spent a fifth of its time there; a reused statement object
memoises its cache key and hits the engine's compiled cache directly. Results are read as
plain rows on the Core connection of the session's transaction — no ORM entities.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, bindparam, case, func, inspect, literal, or_
from sqlmodel import Session

from models.tables import (
    Avvik,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    Oppdrag,
    Organisation,
    PersonRole,
    Unit,
)


def table(model: type) -> Table:
    """The Core table of a SQLModel class, typed (SQLModel does not declare `__table__`)."""
    return cast(Table, inspect(model).local_table)


A = table(Avvik)
U = table(Unit)
RUN = table(ChecklistRun)
ANS = table(ChecklistAnswer)
ITEM = table(ChecklistItem)
TPL = table(ChecklistTemplate)
OPP = table(Oppdrag)
ROLE = table(PersonRole)
ORG = table(Organisation)


def param(name: str, col: Any | None = None) -> Any:
    """A bind parameter typed like `col` (so datetimes go through UTCDateTime's processing)."""
    return bindparam(name, type_=col.type) if col is not None else bindparam(name)


def between(col: Any, start: Any, end: Any) -> Any:
    return and_(col >= start, col < end)


def count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def conn(session: Session) -> Any:
    """The Core connection of the session's transaction (same transaction, no ORM on the way)."""
    return session.connection()


def stale_cutoff(today: date, tz_name: str) -> datetime:
    """«No update for 45 days» compares local dates; as a UTC instant that is «before local
    midnight starting today − 45 days»."""
    stale_day = today - timedelta(days=45)
    return datetime(stale_day.year, stale_day.month, stale_day.day, tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def traffic_light_case(today: Any, soon: Any, cutoff: Any) -> Any:
    """The trafikklys CASE over values or bind parameters (today, today + 30 days, the stale cutoff)."""
    last = func.coalesce(OPP.c.last_status_at, OPP.c.created_at)
    return case(
        (OPP.c.status == "avbrutt", literal("ingen")),
        (OPP.c.status == "fullfort", literal("gronn")),
        (or_(OPP.c.status == "forsinket", and_(OPP.c.deadline.is_not(None), OPP.c.deadline < today)), literal("rod")),
        (and_(OPP.c.deadline.is_not(None), OPP.c.deadline <= soon, OPP.c.progress < 75), literal("gul")),
        (last < cutoff, literal("gul")),
        else_=literal("gronn"),
    )
