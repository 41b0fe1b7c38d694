"""The card and its matrix columns (one per unit right below the scope) from one grouped query.

The page used to run the card's aggregate and then a second aggregate for the columns (a CASE over
each column's unit ids, evaluated per value row): three times the card. Here the scope's values are
grouped in SQL by the unit's parent (or the unit itself when it is a column, the scope, or at the
top), which gives at most a few hundred rows; each group is then added to its column in Python by
its id path, and the card is the sum of all groups (`Totals` add up, whatever the roll-up). So the
page costs about one card query, whatever the column count. The roll-up rules are the service's
(`styringskort.rolled`, `scaled`, `card_row`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select
from sqlmodel import Session

from models.access import Actor
from models.periods import Period
from models.services import styringskort as sk
from models.tables import IndicatorUnit, IndicatorValue, Person
from reports.sql import U, conn, table

IV, IU, PERSON = table(IndicatorValue), table(IndicatorUnit), table(Person)


def _group_key() -> Any:
    """A unit's group: itself when it is at the top, the scope or a column (right below the scope),
    else its parent. Param b_scope (the scope's unit id, 0 for the kommune)."""
    scope: Any = bindparam("b_scope")
    return case((or_(U.c.parent_id.is_(None), U.c.id == scope, U.c.parent_id == scope), U.c.id),
                else_=U.c.parent_id)


@lru_cache(maxsize=4)
def _grouped_stmt(subtree: bool, weighted: bool) -> Any:
    """Per group, indicator and period: sum, count (and the staff-weighted sum); params b_org, b_keys,
    b_scope, b_prefix. Built once per shape."""
    key = _group_key().label("g")
    q = (select(key, IV.c.indicator_id, IV.c.period, func.sum(IV.c.value).label("total"), func.count().label("n"))
         .join_from(IV, U, U.c.id == IV.c.unit_id))
    if weighted:
        staff = (select(PERSON.c.unit_id, func.count().label("n"))
                 .where(PERSON.c.org_id == bindparam("b_org"), PERSON.c.active.is_(True))
                 .group_by(PERSON.c.unit_id).subquery())
        weight = func.coalesce(staff.c.n, 0)
        q = q.add_columns(func.sum(IV.c.value * weight).label("wsum"), func.sum(weight).label("wn"))
        q = q.outerjoin(staff, staff.c.unit_id == IV.c.unit_id)
    q = q.where(IV.c.org_id == bindparam("b_org"), IV.c.period.in_(bindparam("b_keys", expanding=True)))
    if subtree:
        q = q.where(U.c.id_path.startswith(bindparam("b_prefix")))
    return q.group_by(key, IV.c.indicator_id, IV.c.period)


@lru_cache(maxsize=2)
def _counts_stmt(subtree: bool) -> Any:
    """Per group and indicator: how many units report it; params b_ids, b_scope, b_prefix (a few hundred
    rows: reading every (unit, indicator) pair into Python cost twice as much)."""
    key = _group_key().label("g")
    q = (select(key, IU.c.indicator_id, func.count().label("n")).join_from(IU, U, U.c.id == IU.c.unit_id)
         .where(IU.c.indicator_id.in_(bindparam("b_ids", expanding=True))))
    if subtree:
        q = q.where(U.c.id_path.startswith(bindparam("b_prefix")))
    return q.group_by(key, IU.c.indicator_id)


def _column_of(units: list[tuple[int, str]], children: list[sk.Scope]) -> dict[int, int]:
    """Every unit id → the column (a child of the scope) it lies under; units under none are left out."""
    wanted = {ch.id_path: int(ch.unit_id or 0) for ch in children}
    out: dict[int, int] = {}
    for uid, path in units:
        parts = path.strip("/").split("/")
        for depth in range(len(parts)):
            col = wanted.get("/" + "/".join(parts[: depth + 1]) + "/")
            if col is not None:
                out[int(uid)] = col
                break
    return out


def _params(org_id: int, scope: sk.Scope, **more: Any) -> dict[str, Any]:
    return {"b_org": org_id, "b_scope": int(scope.unit_id or 0),
            **({"b_prefix": scope.id_path} if scope.id_path else {}), **more}


def _add(acc: dict[Any, list[float]], key: Any, total: float, n: int, wsum: float, wn: float) -> None:
    sums = acc.get(key)
    if sums is None:
        acc[key] = [total, n, wsum, wn]
    else:
        sums[0] += total
        sums[1] += n
        sums[2] += wsum
        sums[3] += wn


def _grouped(session: Session, org_id: int, scope: sk.Scope, keys: set[str], weighted: bool,
             column_of: dict[int, int]) -> tuple[dict[tuple[int, str], sk.Totals], dict[tuple[int, int, str], sk.Totals]]:
    """The card's totals per (indicator, period) and each column's per (column, indicator, period).

    Sums are added up in plain lists and made `Totals` once per key (a frozen object per added
    group row cost more than the query's fetch at the large scale)."""
    rows = conn(session).execute(_grouped_stmt(bool(scope.id_path), weighted),
                                 _params(org_id, scope, b_keys=sorted(keys))).all()
    card: dict[Any, list[float]] = {}
    cols: dict[Any, list[float]] = {}
    for r in rows:
        g, ind, per, total, n = r[0], r[1], r[2], float(r[3] or 0), int(r[4] or 0)
        wsum, wn = (float(r[5] or 0), float(r[6] or 0)) if weighted else (0.0, 0.0)
        _add(card, (ind, per), total, n, wsum, wn)
        col = column_of.get(int(g))
        if col is not None:
            _add(cols, (col, ind, per), total, n, wsum, wn)
    unit_card = scope.kind == "unit"  # a unit's card is a plain mean (as `styringskort.styringskort` does)
    return ({k: sk.Totals(t, int(n)) if unit_card else sk.Totals(t, int(n), ws, w) for k, (t, n, ws, w) in card.items()},
            {k: sk.Totals(t, int(n), ws, w) for k, (t, n, ws, w) in cols.items()})


def _unit_counts(session: Session, scope: sk.Scope, ids: list[int], column_of: dict[int, int]
                 ) -> dict[tuple[int, int], int]:
    """(column, indicator) → how many of the column's units report the indicator."""
    params = {k: v for k, v in _params(0, scope, b_ids=ids).items() if k != "b_org"}
    out: dict[tuple[int, int], int] = {}
    for g, ind, n in conn(session).execute(_counts_stmt(bool(scope.id_path)), params).all():
        col = column_of.get(g)
        if col is not None:
            out[(col, ind)] = out.get((col, ind), 0) + n
    return out


@dataclass(frozen=True)
class Shape:
    """What a card's figures are laid out on: the columns, the indicators with their year's targets,
    every unit's column and how many units of each column report each indicator. It changes only
    with a write to the plan or the units, not with a value, so the web keeps it across check-ins
    (keyed by the plan's structure version, `reports/styringskort_cache.py`)."""

    children: tuple[sk.Scope, ...]
    metas: tuple[Any, ...]
    column_of: dict[int, int]
    counts: dict[tuple[int, int], int]


def shape(session: Session, *, org_id: int, scope: sk.Scope, year: int) -> Shape:
    """The scope's layout for a year: children right below it (active units), indicators, counts.

    Every unit of the kommune is placed, inactive ones too (their values count)."""
    units = list(conn(session).execute(select(U.c.id, U.c.name, U.c.id_path, U.c.kind, U.c.parent_id, U.c.active)
                                       .where(U.c.org_id == org_id).order_by(U.c.path)).all())
    children = tuple(sk.Scope(kind="sector" if u.kind == "sector" else "unit", name=u.name, unit_id=u.id,
                              id_path=u.id_path) for u in units if u.parent_id == scope.unit_id and u.active)
    metas = tuple(sk.indicators(session, org_id, scope, year))
    column_of = _column_of([(u.id, u.id_path) for u in units], list(children)) if children else {}
    counts = _unit_counts(session, scope, [m.id for m in metas], column_of) if column_of and metas else {}
    return Shape(children=children, metas=metas, column_of=column_of, counts=counts)


def card_and_columns(session: Session, *, org_id: int, scope: sk.Scope, period: Period, layout: Shape,
                     actor: Actor | None = None) -> tuple[sk.Card, dict[int, dict[int, sk.CardRow]]]:
    """The card, and column unit id → indicator id → the column's row (only indicators its units report).

    `layout` is `shape(...)` of the period's year; `actor` None is for trusted callers (the CLI, summaries)."""
    if actor is not None:
        sk.check_read_actor(actor, scope)
    metas = list(layout.metas)
    if not metas:
        return sk.Card(scope=scope, period=period, rows=()), {}
    cur, keys = sk.card_periods(metas, period)
    weighted = any(m.rollup == "weighted" for m in metas)
    card_agg, col_agg = _grouped(session, org_id, scope, keys, weighted, layout.column_of)
    card = sk.build_card(scope, period, metas, card_agg)
    if not layout.column_of:
        return card, {}
    out: dict[int, dict[int, sk.CardRow]] = {}
    pers = [(m, r, cur[m.id], r.period, cur[m.id].previous().key) for m, r in zip(metas, card.rows, strict=True)]
    for ch in layout.children:
        cid = int(ch.unit_id or 0)
        for m, r, per, key, prev_key in pers:
            n = layout.counts.get((cid, m.id), 0)
            if not n:
                continue
            out.setdefault(cid, {})[m.id] = sk.card_row(
                m, per, col_agg.get((cid, m.id, key)), col_agg.get((cid, m.id, prev_key)), n,
                sk.scaled(sk.per_unit(r.target, r), n, r.rollup), sk.scaled(sk.per_unit(r.red_limit, r), n, r.rollup))
    return card, out
