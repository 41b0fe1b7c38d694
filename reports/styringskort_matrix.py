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


def _grouped(session: Session, org_id: int, scope: sk.Scope, keys: set[str], weighted: bool,
             column_of: dict[int, int]) -> tuple[dict[tuple[int, str], sk.Totals], dict[tuple[int, int, str], sk.Totals]]:
    """The card's totals per (indicator, period) and each column's per (column, indicator, period)."""
    rows = conn(session).execute(_grouped_stmt(bool(scope.id_path), weighted),
                                 _params(org_id, scope, b_keys=sorted(keys))).all()
    card: dict[tuple[int, str], sk.Totals] = {}
    cols: dict[tuple[int, int, str], sk.Totals] = {}
    for r in rows:
        t = sk.Totals.of(r)
        k = (r.indicator_id, r.period)
        card[k] = card[k] + t if k in card else t
        col = column_of.get(int(r.g))
        if col is not None:
            ck = (col, r.indicator_id, r.period)
            cols[ck] = cols[ck] + t if ck in cols else t
    if scope.kind == "unit":  # a unit's card is a plain mean (as `styringskort.styringskort` does)
        card = {k: sk.Totals(t.total, t.n) for k, t in card.items()}
    return card, cols


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


def card_and_columns(session: Session, *, org_id: int, scope: sk.Scope, period: Period, children: list[sk.Scope],
                     units: list[tuple[int, str]], actor: Actor | None = None
                     ) -> tuple[sk.Card, dict[int, dict[int, sk.CardRow]]]:
    """The card, and column unit id → indicator id → the column's row (only indicators its units report).

    `units` is every unit of the kommune as (id, id path), inactive ones too (their values count);
    `actor` None is for trusted callers (the CLI, summaries)."""
    if actor is not None:
        sk.check_read_actor(actor, scope)
    metas = sk.indicators(session, org_id, scope, period.year)
    if not metas:
        return sk.Card(scope=scope, period=period, rows=()), {}
    cur, keys = sk.card_periods(metas, period)
    column_of = _column_of(units, children) if children else {}
    weighted = any(m.rollup == "weighted" for m in metas)
    card_agg, col_agg = _grouped(session, org_id, scope, keys, weighted, column_of)
    card = sk.build_card(scope, period, metas, card_agg)
    if not column_of:
        return card, {}
    counts = _unit_counts(session, scope, [m.id for m in metas], column_of)
    out: dict[int, dict[int, sk.CardRow]] = {}
    pers = [(m, r, cur[m.id], r.period, cur[m.id].previous().key) for m, r in zip(metas, card.rows, strict=True)]
    for ch in children:
        cid = int(ch.unit_id or 0)
        for m, r, per, key, prev_key in pers:
            n = counts.get((cid, m.id), 0)
            if not n:
                continue
            out.setdefault(cid, {})[m.id] = sk.card_row(
                m, per, col_agg.get((cid, m.id, key)), col_agg.get((cid, m.id, prev_key)), n,
                sk.scaled(sk.per_unit(r.target, r), n, r.rollup), sk.scaled(sk.per_unit(r.red_limit, r), n, r.rollup))
    return card, out
