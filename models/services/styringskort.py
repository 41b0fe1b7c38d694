"""The styringskort read side: one card for a unit, a sector or the whole kommune, for one period.

Two queries whatever the size of the kommune: the card's indicators with the target of the
period's year, then the values of the card's periods aggregated per indicator and period
(GROUP BY), so the cost grows with the card, not with the history stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlmodel import Session

from models.access import Actor
from models.errors import NotFound, PermissionDenied
from models.i18n import _
from models.indicator_rules import Light, improving, period_for, traffic_light, trend
from models.periods import Period
from models.services import org as org_svc
from models.tables import (
    Goal,
    Indicator,
    IndicatorTarget,
    IndicatorUnit,
    IndicatorValue,
    Organisation,
    Person,
    Perspective,
    Unit,
)


@dataclass(frozen=True)
class Scope:
    """What a card covers: kind "unit", "sector" or "kommune"; `id_path` None means the whole kommune."""

    kind: str
    name: str
    unit_id: int | None
    id_path: str | None


@dataclass(frozen=True)
class CardRow:
    indicator_id: int
    name: str
    perspective: str
    goal: str
    goal_id: int
    measure: str
    direction: str
    rollup: str
    period: str
    value: float | None
    target: float | None
    red_limit: float | None
    light: Light
    previous: float | None
    trend: str | None
    improving: bool | None
    reported: int  # units with a value this period
    units: int  # units in the scope that report the indicator


@dataclass(frozen=True)
class Card:
    scope: Scope
    period: Period
    rows: tuple[CardRow, ...]

    def counts(self) -> dict[str, dict[Light, int]]:
        """Per perspective, how many indicators are grønn, gul, rød and ingen (for summaries)."""
        out: dict[str, dict[Light, int]] = {}
        for r in self.rows:
            out.setdefault(r.perspective, dict.fromkeys(Light, 0))[r.light] += 1
        return out


def _c(model: Any) -> Any:
    """A table's columns for Core queries (typed loosely once, rather than ignored at every use)."""
    return model.__table__.c


def _tab(model: Any) -> Any:
    return model.__table__


def resolve_scope(session: Session, *, org_id: int, unit: str | None = None, sector: str | None = None,
                  kommune: bool = False) -> Scope:
    """A scope from what a person typed: a unit path, a sector name, or the whole kommune."""
    if kommune:
        organisation = session.get(Organisation, org_id)
        return Scope(kind="kommune", name=organisation.name if organisation else "Kommunen", unit_id=None, id_path=None)
    wanted = (unit or sector or "").strip().strip("/")
    u = _c(Unit)
    q = select(u.id, u.path, u.id_path).where(u.org_id == org_id, u.active.is_(True))
    if unit:
        q = q.where(or_(u.path == wanted, u.name == wanted))
    else:
        q = q.where(or_(u.path == wanted, func.lower(u.name) == wanted.lower()), u.kind == "sector")
    found = session.execute(q.order_by(u.path)).first()
    if found is None:
        raise NotFound((_("Fant ingen enhet «{name}».") if unit else _("Fant ingen sektor «{name}».")).format(name=wanted[:80]))
    return Scope(kind="unit" if unit else "sector", name=found.path, unit_id=found.id, id_path=found.id_path)


def _scope_units(subtree: bool) -> Any:
    """The scope's unit ids: the units under :b_prefix (an id_path), or every unit of the kommune."""
    u = _c(Unit)
    q = select(u.id).where(u.org_id == bindparam("b_org"))
    return q.where(u.id_path.startswith(bindparam("b_prefix"))) if subtree else q


@lru_cache(maxsize=2)
def _indicators_stmt(subtree: bool) -> Any:
    """Built once per shape (building cost more than running it at demo scale); params b_org, b_year, b_prefix."""
    i, g, p, t, iu = _c(Indicator), _c(Goal), _c(Perspective), _c(IndicatorTarget), _c(IndicatorUnit)
    t2 = _tab(IndicatorTarget).alias("t2")
    best_year = func.coalesce(
        select(func.max(t2.c.year)).where(t2.c.indicator_id == i.id, t2.c.year <= bindparam("b_year")).scalar_subquery(),
        select(func.min(t2.c.year)).where(t2.c.indicator_id == i.id).scalar_subquery())
    in_scope = select(func.count()).where(iu.indicator_id == i.id)
    units = (in_scope.where(iu.unit_id.in_(_scope_units(True))) if subtree else in_scope).scalar_subquery()
    return (select(i.id, i.name, i.measure, i.direction, i.frequency, i.rollup, g.id.label("goal_id"), g.title,
                   p.name.label("perspective"), t.target, t.red_limit, units.label("units"))
            .join_from(_tab(Indicator), _tab(Goal), g.id == i.goal_id)
            .join(_tab(Perspective), p.id == g.perspective_id)
            .outerjoin(_tab(IndicatorTarget), and_(t.indicator_id == i.id, t.year == best_year))
            .where(i.org_id == bindparam("b_org"), i.active.is_(True), units > 0)
            .order_by(p.position, p.id, i.position, i.id))


@lru_cache(maxsize=4)
def _aggregates_stmt(subtree: bool, weighted: bool) -> Any:
    """Per indicator and period: sum, mean, count and staff-weighted sum; params b_org, b_keys, b_prefix."""
    v, person = _c(IndicatorValue), _c(Person)
    q = select(v.indicator_id, v.period, func.sum(v.value).label("total"), func.avg(v.value).label("mean"),
               func.count().label("n"))
    if weighted:
        staff = (select(person.unit_id, func.count().label("n"))
                 .where(person.org_id == bindparam("b_org"), person.active.is_(True))
                 .group_by(person.unit_id).subquery())
        weight = func.coalesce(staff.c.n, 0)
        q = q.add_columns(func.sum(v.value * weight).label("wsum"), func.sum(weight).label("wn"))
        q = q.outerjoin(staff, staff.c.unit_id == v.unit_id)
    q = q.where(v.org_id == bindparam("b_org"), v.period.in_(bindparam("b_keys", expanding=True)))
    if subtree:
        q = q.where(v.unit_id.in_(_scope_units(True)))
    return q.group_by(v.indicator_id, v.period)


def _params(org_id: int, scope: Scope, **more: Any) -> dict[str, Any]:
    return {"b_org": org_id, **({"b_prefix": scope.id_path} if scope.id_path else {}), **more}


@dataclass(frozen=True)
class Totals:
    """The raw sums behind one rolled-up value: they add up across units, so a sector's totals are
    the sum of its columns' totals and any roll-up (sum, mean, staff-weighted mean) follows from them."""

    total: float
    n: int
    wsum: float = 0.0
    wn: float = 0.0

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.total + other.total, self.n + other.n, self.wsum + other.wsum, self.wn + other.wn)

    @classmethod
    def of(cls, row: Any) -> Totals:
        """From a grouped row with `total`, `n` and (when weighted) `wsum`, `wn`."""
        return cls(float(row.total or 0), int(row.n or 0), float(getattr(row, "wsum", 0) or 0),
                   float(getattr(row, "wn", 0) or 0))


def indicators(session: Session, org_id: int, scope: Scope, year: int) -> list[Any]:
    """Query 1: the indicators reported in the scope, with goal, perspective, the year's target and
    `units` (how many units of the scope report it)."""
    stmt = _indicators_stmt(bool(scope.id_path))
    return list(session.execute(stmt, _params(org_id, scope, b_year=year)).all())


def aggregates(session: Session, org_id: int, scope: Scope, keys: set[str], weighted: bool
               ) -> dict[tuple[int, str], Totals]:
    """Query 2: the scope's values of the given periods, as totals per indicator and period."""
    stmt = _aggregates_stmt(bool(scope.id_path), weighted)
    rows = session.execute(stmt, _params(org_id, scope, b_keys=sorted(keys))).all()
    return {(r.indicator_id, r.period): Totals.of(r) for r in rows}


def rolled(totals: Totals | None, rollup: str) -> float | None:
    """The indicator's value from its totals: sum, mean, or the staff-weighted mean (mean without staff)."""
    if totals is None or totals.n == 0:
        return None
    if rollup == "sum":
        return totals.total
    if rollup == "weighted" and totals.wn:
        return totals.wsum / totals.wn
    return totals.total / totals.n


def scaled(limit: float | None, units: int, rollup: str) -> float | None:
    """Targets are set per reporting unit: a summed indicator's target for a sector adds up too."""
    return None if limit is None else limit * units if rollup == "sum" else limit


def per_unit(limit: float | None, row: CardRow) -> float | None:
    """A card row's target or red limit for one reporting unit (a summed target divided back)."""
    return limit / row.units if limit is not None and row.rollup == "sum" and row.units > 0 else limit


def card_periods(metas: list[Any], period: Period) -> tuple[dict[int, Period], set[str]]:
    """Each indicator's own period for the chosen one, and the period keys a card reads (those and the previous)."""
    cur = {m.id: period_for(m.frequency, period) for m in metas}
    return cur, {p.key for p in cur.values()} | {p.previous().key for p in cur.values()}


def card_row(meta: Any, per: Period, now: Totals | None, prev: Totals | None, units: int,
             target: float | None, red: float | None) -> CardRow:
    """One row: the value rolled up from its totals, coloured against the (already scaled) limits."""
    value, previous = rolled(now, meta.rollup), rolled(prev, meta.rollup)
    return CardRow(indicator_id=meta.id, name=meta.name, perspective=meta.perspective, goal=meta.title,
                   goal_id=meta.goal_id, measure=meta.measure, direction=meta.direction, rollup=meta.rollup,
                   period=per.key, value=value, target=target, red_limit=red, units=units,
                   light=traffic_light(value, target, red, meta.direction), previous=previous,
                   trend=trend(value, previous), improving=improving(value, previous, meta.direction),
                   reported=now.n if now else 0)


def build_card(scope: Scope, period: Period, metas: list[Any], agg: dict[tuple[int, str], Totals]) -> Card:
    """The card from query 1's indicators and the totals per (indicator, period)."""
    cur, _ = card_periods(metas, period)
    rows = []
    for m in metas:
        per = cur[m.id]
        rows.append(card_row(m, per, agg.get((m.id, per.key)), agg.get((m.id, per.previous().key)), int(m.units),
                             scaled(m.target, m.units, m.rollup), scaled(m.red_limit, m.units, m.rollup)))
    return Card(scope=scope, period=period, rows=tuple(rows))


def check_read(session: Session, *, actor_id: int, scope: Scope) -> None:
    """Everyone along the line may read: the unit's leaders, the kommunalsjef above, kommunedirektør, admin."""
    check_read_actor(org_svc.load_actor(session, person_id=actor_id), scope)


def check_read_actor(actor: Actor, scope: Scope) -> None:
    """`check_read` for a caller that has loaded the person already (the web request has)."""
    allowed = actor.org_wide if scope.unit_id is None else actor.manages(scope.unit_id)
    if not allowed:
        raise PermissionDenied(_("Du har ikke tilgang til dette styringskortet."))


def styringskort(*, session: Session, org_id: int, scope: Scope, period: Period,
                 actor_id: int | None = None) -> Card:
    """The card: per indicator its (rolled-up) value, target, trafikklys, previous value and trend.

    `actor_id` None is for trusted callers that act for the kommune (the CLI, posted summaries).
    """
    if actor_id is not None:
        check_read(session, actor_id=actor_id, scope=scope)
    metas = indicators(session, org_id, scope, period.year)
    _, keys = card_periods(metas, period)
    weighted = scope.kind != "unit" and any(m.rollup == "weighted" for m in metas)
    return build_card(scope, period, metas, aggregates(session, org_id, scope, keys, weighted) if keys else {})


def card_json(card: Card) -> dict[str, Any]:
    """The documented JSON shape (docs/styringskort.md): scope, period and one entry per indicator."""
    return {
        "scope": card.scope.kind,
        card.scope.kind: card.scope.name,
        "period": card.period.key,
        "indicators": [
            {"name": r.name, "perspective": r.perspective, "goal": r.goal, "measure": r.measure, "value": r.value,
             "target": r.target, "red_limit": r.red_limit, "light": r.light.value, "previous": r.previous,
             "trend": r.trend, "period": r.period, "direction": r.direction, "improving": r.improving}
            for r in card.rows
        ],
    }
