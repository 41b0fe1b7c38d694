"""Parts both reports share: tilsyn, checklists per sector, last year's avvik.

Each reads through the domain's system-level read queries (`models.services.tilsyn`,
`models.services.styringskort`; the risk picture is `reports.risiko`) or the summary itself,
so the figures are the ones the web, the chat and the summaries show.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from models.indicator_rules import Light
from models.periods import Period
from models.services.styringskort import resolve_scope, styringskort
from models.services.tilsyn import TilsynView, tilsyn_for_units
from reports.politics.model import (
    ChecklistSector,
    FindingPart,
    PerspectiveLights,
    RedIndicator,
    SamePeriodLastYear,
    StyringskortPart,
    TilsynOverview,
    TilsynPart,
)
from reports.queries import SECTIONS, build_summary
from reports.summary import AvvikChange, AvvikSection, InternkontrollSection

MAX_TILSYN = 500


def share_pct(part: int, whole: int) -> float | None:
    """The same rounding as the summary's percentages."""
    return round(part * 100.0 / whole, 1) if whole else None


def _tilsyn_part(t: TilsynView) -> TilsynPart:
    return TilsynPart(authority=t.authority_label, held_on=t.held_on, theme=t.theme, unit=t.unit_name, findings=[
        FindingPart(kind=f.kind, kind_label=f.kind_label, description=f.description, deadline=f.deadline,
                    tiltak=f.tiltak, status=f.status, status_label=f.status_label, overdue=f.overdue)
        for f in t.findings])


def tilsyn_overview(session: Session, org_id: int, period: Period, today: date) -> TilsynOverview:
    """Tilsyn held in the period (oldest first), their findings as they stand today, and counts by kind and status."""
    start, end = period.start_date(), period.end_date()
    views = [t for t in tilsyn_for_units(session, org_id=org_id, year=period.year, limit=MAX_TILSYN, today=today)
             if start <= t.held_on < end]
    parts = [_tilsyn_part(t) for t in reversed(views)]
    by_kind = {"avvik": 0, "merknad": 0, "palegg": 0}
    by_status = {"apen": 0, "under_arbeid": 0, "lukket": 0}
    overdue = 0
    for t in parts:
        for f in t.findings:
            by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
            by_status[f.status] = by_status.get(f.status, 0) + 1
            overdue += f.overdue
    return TilsynOverview(status_as_of=today, tilsyn=parts, findings_by_kind=by_kind, findings_by_status=by_status, overdue=overdue)


def checklists_by_sector(ik: InternkontrollSection) -> list[ChecklistSector]:
    """The summary's per-unit rows summed per sector (answers beyond what is due do not count, as there)."""
    acc: dict[str, list[int]] = {}
    for c in ik.by_unit:
        row = acc.setdefault(c.sector, [0, 0, 0])
        row[0] += 1
        row[1] += c.due
        row[2] += min(c.answered, c.due)
    return [ChecklistSector(sector=s, units=n, due=due, answered=ans, completion_pct=share_pct(ans, due))
            for s, (n, due, ans) in sorted(acc.items())]


def same_period_last_year(session: Session, org_id: int, period: Period, avvik: AvvikSection, tz_name: str,
                          now: datetime) -> SamePeriodLastYear:
    """The summary's avvik figures for the same period a year earlier, and the change since."""
    earlier = Period(period.kind, period.year - 1, period.index)
    then = build_summary(session=session, org_id=org_id, period=earlier, tz_name=tz_name, now=now,
                         sections={"avvik": SECTIONS["avvik"]}).avvik.period
    cur = avvik.period
    change = AvvikChange(new=cur.new - then.new, closed=cur.closed - then.closed,
                         open_at_end=cur.open_at_end - then.open_at_end,
                         new_pct=round((cur.new - then.new) * 100.0 / then.new, 1) if then.new else None)
    return SamePeriodLastYear(period_key=earlier.key, period_label=earlier.label, new=then.new, closed=then.closed,
                              open_at_end=then.open_at_end, median_days_to_close=then.median_days_to_close,
                              change=change)


def styringskort_part(session: Session, org_id: int, period: Period) -> StyringskortPart | None:
    """The kommune's card for the period; None when no goal has an indicator yet."""
    card = styringskort(session=session, org_id=org_id, scope=resolve_scope(session, org_id=org_id, kommune=True),
                        period=period)
    if not card.rows:
        return None
    perspectives = [PerspectiveLights(perspective=p, gronn=c[Light.GRONN], gul=c[Light.GUL], rod=c[Light.ROD],
                                      ingen=c[Light.INGEN]) for p, c in card.counts().items()]
    red = [RedIndicator(perspective=r.perspective, goal=r.goal, name=r.name, period=r.period, value=r.value,
                        target=r.target, red_limit=r.red_limit) for r in card.rows if r.light == Light.ROD]
    return StyringskortPart(perspectives=perspectives, red=red)
