"""The internkontroll section of a summary: checklist answers against the items due, per unit.

Due = the items each checklist period inside the summary had (see `checklist_items_due`), for every
unit with a leder (the checklists are the leader's to answer) and any unit that has answered.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlmodel import Session

from models.periods import Period, local_date, parse_period
from models.tables.summary_counts import ChecklistRunTally
from reports.context import SummaryContext
from reports.sql import ANS, ITEM, ROLE, RUN, TPL, conn, count_if, param, table
from reports.summary import ChecklistCompletion, InternkontrollSection

TALLY = table(ChecklistRunTally)


def checklist_keys(period: Period) -> list[str]:
    """The checklist run periods that fall inside a summary period (months, tertials, the year)."""
    months = period.months()
    keys = [m.key for m in months]
    tertials = sorted({(m.index - 1) // 4 + 1 for m in months})
    if period.kind in ("tertial", "year"):
        keys += [Period("tertial", period.year, t).key for t in tertials]
    if period.kind == "year":
        keys.append(Period("year", period.year, 1).key)
    return keys


def _key_started(key: str, as_of: date) -> bool:
    return parse_period(key).start_date() <= as_of


@cache
def _checklist_answered_stmt() -> Any:
    """Per unit: the runs' tallies (kept by triggers with the answers) for runs of an active template."""
    return (select(RUN.c.unit_id, func.sum(TALLY.c.answered), func.sum(TALLY.c.nei))
            .select_from(RUN.join(TALLY, TALLY.c.run_id == RUN.c.id).join(TPL, TPL.c.id == RUN.c.template_id))
            .where(RUN.c.org_id == param("org"), RUN.c.period.in_(bindparam("keys", expanding=True)),
                   TPL.c.active.is_(True))
            .group_by(RUN.c.unit_id))


@cache
def _uncounted_items_stmt() -> Any:
    """Items retired before the dates were kept (inactive, no retired_at): their answers count for no period."""
    return select(ITEM.c.id).where(ITEM.c.org_id == param("org"), ITEM.c.active.is_(False), ITEM.c.retired_at.is_(None))


@cache
def _uncounted_answers_stmt() -> Any:
    return (select(RUN.c.unit_id, func.count(), count_if(ANS.c.answer == "nei"))
            .select_from(RUN.join(ANS, ANS.c.run_id == RUN.c.id).join(TPL, TPL.c.id == RUN.c.template_id))
            .where(RUN.c.org_id == param("org"), RUN.c.period.in_(bindparam("keys", expanding=True)),
                   TPL.c.active.is_(True), ANS.c.item_id.in_(bindparam("items", expanding=True)))
            .group_by(RUN.c.unit_id))


@cache
def _items_stmt() -> Any:
    """Every item of an active template that is active or was retired by a new version, with its dates."""
    return (select(TPL.c.recurrence, ITEM.c.active, ITEM.c.introduced_at, ITEM.c.retired_at, func.count(ITEM.c.id))
            .select_from(TPL.join(ITEM, ITEM.c.template_id == TPL.c.id))
            .where(TPL.c.org_id == param("org"), TPL.c.active.is_(True),
                   or_(ITEM.c.active.is_(True), ITEM.c.retired_at.is_not(None)))
            .group_by(TPL.c.recurrence, ITEM.c.active, ITEM.c.introduced_at, ITEM.c.retired_at))


@cache
def _units_expected_stmt() -> Any:
    return select(ROLE.c.unit_id).where(ROLE.c.org_id == param("org"), ROLE.c.role == "leder",
                                        ROLE.c.unit_id.is_not(None)).distinct()


def checklist_answered_by_unit(session: Session, org_id: int, keys: list[str]) -> list[tuple[int, int, int]]:
    """Per unit: answers in the runs for these keys and how many «nei»; items a new version retired count too.

    Summed from the per-run tallies (one row per unit and period, not per answer); the answers to
    items retired before the dates were kept — usually none — are read and taken off.
    """
    c = conn(session)
    params: dict[str, Any] = {"org": org_id, "keys": list(keys)}
    out = {r[0]: [int(r[1] or 0), int(r[2] or 0)] for r in c.execute(_checklist_answered_stmt(), params).all()}
    uncounted = [r[0] for r in c.execute(_uncounted_items_stmt(), {"org": org_id}).all()]
    if uncounted:
        for uid, n, nei in c.execute(_uncounted_answers_stmt(), {**params, "items": uncounted}).all():
            row = out.setdefault(uid, [0, 0])
            row[0] -= int(n)
            row[1] -= int(nei or 0)
    return [(uid, n, nei) for uid, (n, nei) in out.items() if n > 0]


def checklist_items_due(session: Session, org_id: int, keys: list[str], as_of: date, tz_name: str) -> int:
    """The items due over these period keys: for each, the items its template had at the period's end
    (or today, while it runs). An item a new version retired counts for the periods before, its
    replacement from the day it came, so a past summary keeps the items that were answered then."""
    rows = conn(session).execute(_items_stmt(), {"org": org_id}).all()
    due = 0
    for key in keys:
        period = parse_period(key)
        cutoff = min(period.end_date() - timedelta(days=1), as_of)
        for recurrence, active, introduced, retired, n in rows:
            if recurrence != period.kind or (introduced is not None and local_date(introduced, tz_name) > cutoff):
                continue
            if active or (retired is not None and local_date(retired, tz_name) > cutoff):
                due += int(n)
    return due


def units_expected_to_answer(session: Session, org_id: int) -> set[int]:
    """Units with a leder: the checklists are the leader's to answer."""
    return {r[0] for r in conn(session).execute(_units_expected_stmt(), {"org": org_id}).all()}


def _pct(part: int, whole: int) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


def build_internkontroll(ctx: SummaryContext) -> InternkontrollSection:
    """Answered / due for the runs whose period lies inside this one and has started."""
    keys = checklist_keys(ctx.period)
    due_keys = [k for k in keys if _key_started(k, ctx.as_of)]
    due = checklist_items_due(ctx.session, ctx.org_id, due_keys, ctx.as_of, ctx.tz_name)
    answered = ({uid: (n, nei) for uid, n, nei in checklist_answered_by_unit(ctx.session, ctx.org_id, due_keys)}
                if due_keys else {})
    by_unit = []
    for uid in units_expected_to_answer(ctx.session, ctx.org_id) | set(answered):
        info = ctx.unit(uid)
        n, nei = answered.get(uid, (0, 0))
        by_unit.append(ChecklistCompletion.model_construct(
            unit_id=uid, unit=info.unit, sector=info.sector, due=due, answered=n, nei=nei,
            completion_pct=_pct(min(n, due), due)))
    by_unit.sort(key=lambda c: (c.sector, c.unit))
    total_due = due * len(by_unit)
    total_answered = sum(min(c.answered, due) for c in by_unit)
    return InternkontrollSection.model_construct(checklist_keys=keys, due=total_due, answered=total_answered,
                                                 completion_pct=_pct(total_answered, total_due), by_unit=by_unit)
