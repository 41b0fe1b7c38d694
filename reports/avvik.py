"""The avvik section of a summary: new, closed and open per unit and sector, categories, risk, status, trend.

The counts come from the trigger-kept monthly counters (`reports.avvik_counts`), grouped at the
finest grain the summary shows (unit, category, risk band, status); coarser totals (sector,
organisation) are sums of those few rows — never of data rows. Periods are half-open UTC intervals
computed from local midnight in Europe/Oslo (`models.periods`), so DST months and an avvik at 00:30
on the 1st land right (the counters' UTC months are corrected at each bound).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import case, func, literal, select
from sqlmodel import Session

from models.periods import Period
from models.vocabulary import AVVIK_CATEGORIES, AVVIK_STATUSES
from reports.avvik_counts import NewCounts, fetch_edges, new_counts, status_by_unit
from reports.context import SummaryContext
from reports.medians import MEDIAN_ALL, MEDIAN_PREV, medians_days_to_close
from reports.sql import A, conn, param
from reports.summary import (
    RISK_BANDS,
    AvvikChange,
    AvvikCounts,
    AvvikSection,
    MonthSeries,
    PreviousAvvik,
    SectorAvvik,
    UnitAvvik,
    suppress_row,
)

SHORT_MONTHS = ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"]


def risk_band_expr() -> Any:
    """The ROS band of `avvik.risk` in SQL, matching `models.risk.severity`."""
    return case((A.c.risk <= 4, literal(RISK_BANDS[0])), (A.c.risk <= 9, literal(RISK_BANDS[1])),
                (A.c.risk <= 16, literal(RISK_BANDS[2])), else_=literal(RISK_BANDS[3]))


@cache
def _first_avvik_stmt() -> Any:
    return select(func.min(A.c.created_at)).where(A.c.org_id == param("org"))


def months_with_data(session: Session, org_id: int, period: Period, tz_name: str) -> int:
    """Months of `period` on or after the month of the kommune's first avvik (0 when none yet).

    Why: a year compared with a year that has one month of data must say so, not show a jump.
    """
    first = conn(session).execute(_first_avvik_stmt(), {"org": org_id}).scalar()
    if first is None:
        return 0
    months = period.months()
    return sum(1 for m in months if m.bounds_utc(tz_name)[1] > _aware(first))


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class UnitStatus(NamedTuple):
    """One unit's avvik counts in this period and the previous one."""

    unit_id: int
    new: int
    closed: int
    open_at_end: int
    prev_new: int
    prev_closed: int
    prev_open_at_end: int


def chart_months(period: Period) -> list[Period]:
    """Twelve months ending with the period (a year: its own months), so every chart reads as a year."""
    last = period.months()[-1]
    out = []
    y, m = last.year, last.index
    for _ in range(12):
        out.append(Period("month", y, m))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return list(reversed(out))


# --------------------------------------------------------------------------- the section

@dataclass
class _SectorTally:
    """Running sums of one sector while the unit rows are read."""

    name: str
    new: int = 0
    closed: int = 0
    open_at_end: int = 0
    categories: dict[str, int] = field(default_factory=dict)


def _pct_change(now: int, before: int) -> float | None:
    return round((now - before) * 100.0 / before, 1) if before else None


def _units_and_sectors(ctx: SummaryContext, rows: list[UnitStatus], unit_cats: dict[int, dict[str, int]],
                       medians: dict[int, float]) -> tuple[list[UnitAvvik], list[SectorAvvik]]:
    """Per unit (suppressed category cells) and per sector, summed from the unit rows."""
    sectors: dict[int, _SectorTally] = {}
    by_unit: list[UnitAvvik] = []
    for row in rows:
        info = ctx.unit(row.unit_id)
        sec = sectors.get(info.sector_id)
        if sec is None:
            sec = sectors[info.sector_id] = _SectorTally(info.sector)
        sec.new += row.new
        sec.closed += row.closed
        sec.open_at_end += row.open_at_end
        cats = unit_cats.get(row.unit_id, {})
        for cat, n in cats.items():
            sec.categories[cat] = sec.categories.get(cat, 0) + n
        if row.new or row.closed or row.open_at_end:
            by_unit.append(UnitAvvik.model_construct(
                unit_id=row.unit_id, unit=info.unit, sector=info.sector, new=row.new, closed=row.closed,
                open_at_end=row.open_at_end, categories=suppress_row(cats)))
    by_unit.sort(key=lambda u: (u.sector, u.unit))
    by_sector = sorted(
        (SectorAvvik.model_construct(sector_id=sid, sector=t.name, new=t.new, closed=t.closed,
                                     open_at_end=t.open_at_end, median_days_to_close=medians.get(sid),
                                     categories=suppress_row(t.categories))
         for sid, t in sectors.items() if t.new or t.closed or t.open_at_end),
        key=lambda s: s.sector)
    return by_unit, by_sector


def _per_month(ctx: SummaryContext, months: list[Period], per_month: Counter[tuple[int, int]]) -> MonthSeries:
    """New avvik per month per sector, for the chart."""
    series: dict[str, list[int]] = {}
    for (i, uid), n in per_month.items():
        if not n:
            continue
        sector = ctx.unit(uid).sector
        s = series.get(sector)
        if s is None:
            s = series[sector] = [0] * len(months)
        s[i] += n
    return MonthSeries.model_construct(
        months=[m.key for m in months], labels=[f"{SHORT_MONTHS[m.index - 1]} {m.year % 100:02d}" for m in months],
        sectors=dict(sorted(series.items())))


def _counts(ctx: SummaryContext, months: list[Period]) -> tuple[list[UnitStatus], NewCounts]:
    """Every avvik count of the section: the monthly counters and one statement of edge corrections."""
    chart = [m.bounds_utc(ctx.tz_name) for m in months]
    bounds = sorted({*ctx.bounds, *ctx.previous_bounds, *(b[0] for b in chart), chart[-1][1]})
    edges = fetch_edges(ctx.session, ctx.org_id, bounds)
    status = status_by_unit(ctx.session, ctx.org_id, ctx.bounds, ctx.previous_bounds, edges)
    rows = [UnitStatus(uid, *v) for uid, v in sorted(status.items())]
    return rows, new_counts(ctx.session, ctx.org_id, ctx.bounds, chart, edges)


def build_avvik(ctx: SummaryContext) -> AvvikSection:
    """The avvik section; figures are summed in plain ints and made into models with
    `model_construct` (our own aggregates with the declared types: validation would only add time)."""
    months = chart_months(ctx.period)
    rows, new = _counts(ctx, months)
    unit_cats: dict[int, dict[str, int]] = {}
    by_category = dict.fromkeys(AVVIK_CATEGORIES, 0)
    for (uid, cat), n in sorted(new.by_unit_category.items()):
        if n:
            unit_cats.setdefault(uid, {})[cat] = n
            by_category[cat] = by_category.get(cat, 0) + n
    by_risk = dict.fromkeys(RISK_BANDS, 0)
    by_status = dict.fromkeys(AVVIK_STATUSES, 0)
    for (st, band), n in new.by_status_band.items():
        if n:
            by_risk[band] = by_risk.get(band, 0) + n
            by_status[st] = by_status.get(st, 0) + n
    sectors = {uid: info.sector_id for uid, info in ctx.units.items()}
    medians = medians_days_to_close(ctx.session, ctx.org_id, ctx.bounds, ctx.previous_bounds, sectors)
    by_unit, by_sector = _units_and_sectors(ctx, rows, unit_cats, medians)
    now = AvvikCounts.model_construct(new=sum(r.new for r in rows), closed=sum(r.closed for r in rows),
                                      open_at_end=sum(r.open_at_end for r in rows),
                                      median_days_to_close=medians.get(MEDIAN_ALL))
    prev = PreviousAvvik.model_construct(
        period_key=ctx.previous.key, period_label=ctx.previous.label, new=sum(r.prev_new for r in rows),
        closed=sum(r.prev_closed for r in rows), open_at_end=sum(r.prev_open_at_end for r in rows),
        median_days_to_close=medians.get(MEDIAN_PREV), months=ctx.previous.month_count(),
        months_with_data=months_with_data(ctx.session, ctx.org_id, ctx.previous, ctx.tz_name))
    change = AvvikChange.model_construct(new=now.new - prev.new, closed=now.closed - prev.closed,
                                         open_at_end=now.open_at_end - prev.open_at_end,
                                         new_pct=_pct_change(now.new, prev.new))
    return AvvikSection.model_construct(
        period=now, previous=prev, change=change, by_sector=by_sector, by_unit=by_unit, by_category=by_category,
        by_risk=by_risk, by_status=by_status, per_month=_per_month(ctx, months, new.per_month))
