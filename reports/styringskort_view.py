"""The styringskort as people look at it (web page, printable HTML, summaries): the card, a matrix
of indicators × the units below the scope, each unit's own values, and an indicator's history.

Built on `models.services.styringskort` so every screen colours an indicator the same way; the
read check along the line stays in the service (`check_read`), this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.access import Actor
from models.errors import NotFound
from models.i18n import _
from models.indicator_rules import Light, traffic_light
from models.periods import Period, parse_period
from models.services import styringskort as sk
from models.services.indicators import target_for
from models.tables import IndicatorValue
from reports.sql import U, conn, table
from reports.styringskort_matrix import Shape, card_and_columns, shape

IV = table(IndicatorValue)
#: How many of an indicator's own periods its history shows.
HISTORY_LENGTH = {"month": 12, "tertial": 6, "year": 4}
#: The CSS class of each light (the word is always shown as well).
LIGHT_CLASS = {Light.GRONN: "gronn", Light.GUL: "gul", Light.ROD: "rod", Light.INGEN: "none"}
#: A shape per light, so print in black and white and colour-blind readers still tell them apart.
LIGHT_SHAPES = {Light.GRONN: "●", Light.GUL: "▲", Light.ROD: "■", Light.INGEN: "○"}


@dataclass(frozen=True)
class ScopeOption:
    key: str  # "kommune" or a unit id
    label: str
    depth: int


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cells: dict[int, sk.CardRow]  # indicator id → the column's row


@dataclass(frozen=True)
class CardView:
    card: sk.Card
    columns: tuple[Column, ...]

    @property
    def perspectives(self) -> list[tuple[str, list[sk.CardRow]]]:
        out: dict[str, list[sk.CardRow]] = {}
        for r in self.card.rows:
            out.setdefault(r.perspective, []).append(r)
        return list(out.items())


@dataclass(frozen=True)
class UnitValue:
    indicator_id: int
    unit_id: int
    unit: str
    period: str
    value: float
    target: float | None
    red_limit: float | None
    light: Light


@dataclass(frozen=True)
class HistoryPoint:
    period: str
    label: str
    value: float | None
    target: float | None
    red_limit: float | None
    light: Light


def _units(session: Session, org_id: int) -> list[Any]:
    q = (select(U.c.id, U.c.name, U.c.path, U.c.id_path, U.c.kind, U.c.parent_id)
         .where(U.c.org_id == org_id, U.c.active.is_(True)).order_by(U.c.path))
    return list(conn(session).execute(q).all())


def readable_scopes(session: Session, *, actor: Actor, org_name: str) -> list[ScopeOption]:
    """The kommune (for those who see it all) and every unit the person may read, in tree order."""
    out = [ScopeOption("kommune", _("Hele kommunen ({name})").format(name=org_name), 0)] if actor.org_wide else []
    out += [ScopeOption(str(u.id), u.path, u.path.count("/") + (1 if actor.org_wide else 0))
            for u in _units(session, actor.org_id) if actor.manages(u.id)]
    return out


def default_scope_key(actor: Actor, options: list[ScopeOption]) -> str | None:
    """The kommune for the kommunedirektør, else the highest unit the person leads (their own card)."""
    if not options:
        return None
    led = [o for o in options if o.key.isdigit() and int(o.key) in actor.led_unit_ids]
    return (min(led, key=lambda o: o.depth) if led and not actor.org_wide else options[0]).key


def scope_for(session: Session, *, org_id: int, key: str) -> sk.Scope:
    """A Scope from the chooser's key; NotFound for a unit of another kommune or none at all."""
    if key == "kommune":
        return sk.resolve_scope(session, org_id=org_id, kommune=True)
    row = conn(session).execute(select(U.c.id, U.c.path, U.c.id_path, U.c.kind).where(
        U.c.org_id == org_id, U.c.id == int(key))).first() if key.isdigit() and len(key) < 12 else None
    if row is None:
        raise NotFound(_("Fant ikke enheten."))
    return sk.Scope(kind="sector" if row.kind == "sector" else "unit", name=row.path, unit_id=row.id,
                    id_path=row.id_path)


def card_view(session: Session, *, org_id: int, scope: sk.Scope, period: Period,
              actor_id: int | None = None, actor: Actor | None = None, layout: Shape | None = None) -> CardView:
    """The card and its matrix: one column per unit right below the scope (sectors for the kommune),
    each rolled up the same way as the card. A unit with nothing below it is its own only column.
    The read check takes `actor` (loaded already) or `actor_id`; neither is for trusted callers.
    `layout` is the scope's `shape` for the period's year when the caller kept it (the web)."""
    if actor is None and actor_id is not None:
        sk.check_read(session, actor_id=actor_id, scope=scope)
    layout = layout or shape(session, org_id=org_id, scope=scope, year=period.year)
    card, cells = card_and_columns(session, org_id=org_id, scope=scope, period=period, layout=layout, actor=actor)
    columns = [Column(str(ch.unit_id), ch.name, cells[int(ch.unit_id or 0)]) for ch in layout.children
               if int(ch.unit_id or 0) in cells]
    if not columns and card.rows and scope.unit_id is not None:
        columns.append(Column(str(scope.unit_id), scope.name.rsplit("/", 1)[-1],
                              {r.indicator_id: r for r in card.rows}))
    return CardView(card=card, columns=tuple(columns))


def unit_values(session: Session, *, org_id: int, card: sk.Card) -> list[UnitValue]:
    """Every reporting unit's own value of each indicator on the card, with its own trafikklys.

    One query for the card's (indicator, period) pairs; a summed indicator's target is per unit,
    so the card's scaled target is divided back.
    """
    rows = {r.indicator_id: r for r in card.rows}
    if not rows:
        return []
    q = (select(IV.c.indicator_id, IV.c.unit_id, IV.c.period, IV.c.value, U.c.path)
         .join(U, U.c.id == IV.c.unit_id)
         .where(IV.c.org_id == org_id, IV.c.indicator_id.in_(list(rows)),
                IV.c.period.in_(sorted({r.period for r in rows.values()}))))
    if card.scope.id_path:
        q = q.where(U.c.id_path.startswith(card.scope.id_path))
    out = []
    for v in conn(session).execute(q.order_by(U.c.path)).all():
        r = rows[v.indicator_id]
        if v.period != r.period:
            continue
        target, red = sk.per_unit(r.target, r), sk.per_unit(r.red_limit, r)
        out.append(UnitValue(indicator_id=r.indicator_id, unit_id=v.unit_id, unit=v.path, period=v.period,
                             value=float(v.value), target=target, red_limit=red,
                             light=traffic_light(float(v.value), target, red, r.direction)))
    return out


def history(session: Session, *, org_id: int, scope: sk.Scope, row: sk.CardRow) -> list[HistoryPoint]:
    """The indicator's last periods for the scope (rolled up like the card), oldest first,
    each coloured against its own year's target."""
    periods = [parse_period(row.period)]
    for _step in range(HISTORY_LENGTH.get(periods[0].kind, 12) - 1):
        periods.append(periods[-1].previous())
    periods.reverse()
    weighted = row.rollup == "weighted" and scope.kind != "unit"
    agg = sk.aggregates(session, org_id, scope, {p.key for p in periods}, weighted)
    targets = {y: target_for(session, indicator_id=row.indicator_id, year=y) for y in {p.year for p in periods}}
    out = []
    for p in periods:
        value = sk.rolled(agg.get((row.indicator_id, p.key)), row.rollup)
        target, red = (sk.scaled(x, row.units, row.rollup) for x in targets[p.year])
        out.append(HistoryPoint(period=p.key, label=p.label, value=value, target=target, red_limit=red,
                                light=traffic_light(value, target, red, row.direction)))
    return out


def find_row(card: sk.Card, indicator_id: int) -> sk.CardRow:
    for r in card.rows:
        if r.indicator_id == indicator_id:
            return r
    raise NotFound(_("Fant ikke indikatoren på dette styringskortet."))


def period_options(today_month: Period, chosen: Period) -> list[Period]:
    """The chooser's periods: the last 24 months, the last 6 tertials and the last 3 years, newest first."""
    out = [today_month]
    for _step in range(23):
        out.append(out[-1].previous())
    tertial = Period("tertial", today_month.year, (today_month.index - 1) // 4 + 1)
    for _step in range(6):
        out.append(tertial)
        tertial = tertial.previous()
    out += [Period("year", today_month.year - k, 1) for k in range(3)]
    return out if chosen in out else [chosen, *out]
