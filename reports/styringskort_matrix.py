"""The card's matrix columns (one per unit right below the scope) in two grouped queries.

Rolling each column up as a card of its own cost two statements per column, each reading every
value of the card's periods in the kommune (the unit filter comes after the index): ten sectors
made the kommune page five times the card. Here the values are grouped by column in SQL (a CASE
over the column's unit ids), so the cost is about that of the card itself, whatever the column count.
The roll-up rules are the card's own (`styringskort._rolled`, `_scaled`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlmodel import Session

from models.indicator_rules import improving, traffic_light, trend
from models.periods import parse_period
from models.services import styringskort as sk
from models.tables import IndicatorUnit, IndicatorValue, Person
from reports.sql import U, conn, table

IV, IU, PERSON = table(IndicatorValue), table(IndicatorUnit), table(Person)


def _members(session: Session, org_id: int, children: list[sk.Scope]) -> dict[int, list[int]]:
    """Column unit id → the ids of the units under it (the column itself included)."""
    wanted = {ch.id_path: int(ch.unit_id or 0) for ch in children}
    out: dict[int, list[int]] = {}
    for uid, path in conn(session).execute(select(U.c.id, U.c.id_path).where(U.c.org_id == org_id)).all():
        parts = path.strip("/").split("/")
        for depth in range(len(parts)):
            col = wanted.get("/" + "/".join(parts[: depth + 1]) + "/")
            if col is not None:
                out.setdefault(col, []).append(int(uid))
                break
    return out


def _column_of(unit_col: Any, n: int) -> Any:
    """The column a row's unit belongs to, as SQL: a CASE over id lists (no join, no LIKE per row);
    params m0… (the column's unit ids, expanding) and c0… (the column's id)."""
    return case(*[(unit_col.in_(bindparam(f"m{i}", expanding=True)), bindparam(f"c{i}")) for i in range(n)],
                else_=None)


@lru_cache(maxsize=32)
def _aggregates_stmt(n: int, weighted: bool) -> Any:
    """Built once per column count (compiling it cost as much as running it); params b_org, b_keys, b_every."""
    v = (select(IV.c.indicator_id, IV.c.period, IV.c.value, IV.c.unit_id, _column_of(IV.c.unit_id, n).label("col"))
         .where(IV.c.org_id == bindparam("b_org"), IV.c.period.in_(bindparam("b_keys", expanding=True)),
                IV.c.unit_id.in_(bindparam("b_every", expanding=True)))).subquery()
    q = select(v.c.col, v.c.indicator_id, v.c.period, func.sum(v.c.value).label("total"),
               func.avg(v.c.value).label("mean"), func.count().label("n"))
    if weighted:
        staff = (select(PERSON.c.unit_id, func.count().label("n"))
                 .where(PERSON.c.org_id == bindparam("b_org"), PERSON.c.active.is_(True))
                 .group_by(PERSON.c.unit_id).subquery())
        weight = func.coalesce(staff.c.n, 0)
        q = q.add_columns(func.sum(v.c.value * weight).label("wsum"), func.sum(weight).label("wn"))
        q = q.select_from(v).outerjoin(staff, staff.c.unit_id == v.c.unit_id)
    return q.where(v.c.col.is_not(None)).group_by(v.c.col, v.c.indicator_id, v.c.period)


@lru_cache(maxsize=32)
def _counts_stmt(n: int) -> Any:
    inner = (select(IU.c.indicator_id, _column_of(IU.c.unit_id, n).label("col"))
             .where(IU.c.indicator_id.in_(bindparam("b_ids", expanding=True)))).subquery()
    return (select(inner.c.col, inner.c.indicator_id, func.count()).where(inner.c.col.is_not(None))
            .group_by(inner.c.col, inner.c.indicator_id))


def _member_params(members: dict[int, list[int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, (col, ids) in enumerate(members.items()):
        out[f"m{i}"], out[f"c{i}"] = ids, col
    return out


def _aggregates(session: Session, org_id: int, members: dict[int, list[int]], keys: list[str],
                weighted: bool) -> dict[tuple[int, int, str], Any]:
    """(column, indicator, period) → sum, mean, count (and the staff-weighted sum)."""
    params = {"b_org": org_id, "b_keys": keys, "b_every": [u for ids in members.values() for u in ids],
              **_member_params(members)}
    rows = conn(session).execute(_aggregates_stmt(len(members), weighted), params).all()
    return {(r.col, r.indicator_id, r.period): r for r in rows}


def _unit_counts(session: Session, members: dict[int, list[int]], indicator_ids: list[int]) -> dict[tuple[int, int], int]:
    """(column, indicator) → how many of the column's units report the indicator."""
    rows = conn(session).execute(_counts_stmt(len(members)), {"b_ids": indicator_ids, **_member_params(members)}).all()
    return {(r[0], r[1]): int(r[2]) for r in rows}


def columns(session: Session, *, org_id: int, card: sk.Card, children: list[sk.Scope]) -> dict[int, dict[int, sk.CardRow]]:
    """Column unit id → indicator id → the column's row (only indicators the column's units report)."""
    if not children or not card.rows:
        return {}
    keys = sorted({r.period for r in card.rows} | {parse_period(r.period).previous().key for r in card.rows})
    weighted = any(r.rollup == "weighted" for r in card.rows)
    members = _members(session, org_id, children)
    if not members:
        return {}
    agg = _aggregates(session, org_id, members, keys, weighted)
    counts = _unit_counts(session, members, [r.indicator_id for r in card.rows])
    out: dict[int, dict[int, sk.CardRow]] = {}
    for ch in children:
        cid = int(ch.unit_id or 0)
        for r in card.rows:
            units = counts.get((cid, r.indicator_id), 0)
            if not units:
                continue
            prev_key = parse_period(r.period).previous().key
            now_row, prev_row = agg.get((cid, r.indicator_id, r.period)), agg.get((cid, r.indicator_id, prev_key))
            value, previous = sk._rolled(now_row, r.rollup), sk._rolled(prev_row, r.rollup)
            per_unit = r.rollup == "sum" and r.units > 0
            base_t = r.target / r.units if per_unit and r.target is not None else r.target
            base_r = r.red_limit / r.units if per_unit and r.red_limit is not None else r.red_limit
            target, red = sk._scaled(base_t, units, r.rollup), sk._scaled(base_r, units, r.rollup)
            out.setdefault(cid, {})[r.indicator_id] = sk.CardRow(
                indicator_id=r.indicator_id, name=r.name, perspective=r.perspective, goal=r.goal, goal_id=r.goal_id,
                measure=r.measure, direction=r.direction, rollup=r.rollup, period=r.period, value=value,
                target=target, red_limit=red, light=traffic_light(value, target, red, r.direction),
                previous=previous, trend=trend(value, previous), improving=improving(value, previous, r.direction),
                reported=int(now_row.n) if now_row else 0, units=units)
    return out
