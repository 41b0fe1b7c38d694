"""What every section builder of a summary needs: the period, its bounds, the units and their sectors.

Made once per summary, so the sections share one unit directory and one notion of «as of»,
and a section builder is a plain function of this context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, select
from sqlmodel import Session

from models.i18n import _
from models.periods import Period, local_date
from reports.sql import ORG, U, conn, param


@dataclass(frozen=True, slots=True)
class UnitInfo:
    unit: str
    sector_id: int
    sector: str


@dataclass(frozen=True)
class SummaryContext:
    session: Session
    org_id: int
    period: Period
    previous: Period
    tz_name: str
    now: datetime
    as_of: date  # the period's last day, or today if the period is still running
    bounds: tuple[datetime, datetime]  # UTC, half-open
    previous_bounds: tuple[datetime, datetime]
    units: dict[int, UnitInfo]

    def unit(self, unit_id: int) -> UnitInfo:
        """The unit's name and sector; a unit deleted since still gets a name."""
        name = _("enhet {id}").format(id=unit_id)
        return self.units.get(unit_id) or UnitInfo(name, unit_id, name)


@cache
def _unit_directory_stmt() -> Any:
    s = U.alias("s")
    return (select(U.c.id, U.c.name, s.c.id, s.c.name)
            .select_from(U.join(s, and_(s.c.parent_id.is_(None), s.c.org_id == U.c.org_id,
                                        U.c.id_path.startswith(s.c.id_path))))
            .where(U.c.org_id == param("org")))


@cache
def _org_name_stmt() -> Any:
    return select(ORG.c.name).where(ORG.c.id == param("org"))


def unit_directory(session: Session, org_id: int) -> dict[int, UnitInfo]:
    """unit_id → (unit name, sector id, sector name); the sector is the top unit of the path.

    Resolved in SQL with the id_path prefix join (a few hundred rows at most), one cached
    statement: cheaper than keeping a per-org cache coherent with unit edits.
    """
    rows = conn(session).execute(_unit_directory_stmt(), {"org": org_id}).all()
    return {r[0]: UnitInfo(r[1], r[2], r[3]) for r in rows}


def org_name(session: Session, org_id: int) -> str:
    return conn(session).execute(_org_name_stmt(), {"org": org_id}).scalar() or ""


def make_context(session: Session, org_id: int, period: Period, tz_name: str, now: datetime) -> SummaryContext:
    today = local_date(now, tz_name)
    previous = period.previous()
    return SummaryContext(
        session=session, org_id=org_id, period=period, previous=previous, tz_name=tz_name, now=now,
        as_of=min(today, period.end_date() - timedelta(days=1)), bounds=period.bounds_utc(tz_name),
        previous_bounds=previous.bounds_utc(tz_name), units=unit_directory(session, org_id))


#: Builds one section of the summary from the shared context; None leaves the section out.
SectionBuilder = Callable[[SummaryContext], BaseModel | None]
