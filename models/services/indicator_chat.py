"""What the chat needs around indicator check-ins: who reports what, the period a value is due for,
a check-in that also says what it replaced, and the card scopes that fit a person's role.

Kept apart from `indicators` (the rules and writes) so the conversation gets typed lists in a
few queries and never touches a table; fuzzy matching of what people type stays in the chat layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.errors import NotFound
from models.i18n import _
from models.indicator_rules import improving, period_for
from models.periods import Period
from models.services import indicators, org
from models.services.indicators import DueItem, ValueReceipt
from models.services.styringskort import Scope, resolve_scope
from models.sql import pk
from models.tables import Indicator, IndicatorUnit, IndicatorValue, Unit

DEADLINE_DAY = 10  # values for a period are due by the 10th of the month after it ends


@dataclass(frozen=True)
class IndicatorRef:
    id: int
    name: str
    measure: str
    direction: str
    frequency: str
    unit_ids: frozenset[int]  # every unit that reports it


@dataclass(frozen=True)
class UnitChoice:
    id: int
    name: str
    path: str
    kind: str


@dataclass(frozen=True)
class CheckinContext:
    """The kommune's active indicators and units, and which units this person leads."""

    person_id: int
    led_unit_ids: frozenset[int]
    org_wide: bool
    indicators: tuple[IndicatorRef, ...]
    units: tuple[UnitChoice, ...]

    def mine(self) -> tuple[IndicatorRef, ...]:
        """The indicators a unit this person leads reports."""
        return tuple(i for i in self.indicators if i.unit_ids & self.led_unit_ids)

    def unit(self, unit_id: int) -> UnitChoice | None:
        return next((u for u in self.units if u.id == unit_id), None)


@dataclass(frozen=True)
class CheckinResult:
    receipt: ValueReceipt
    direction: str
    replaced: float | None  # the value a correction replaced
    improving: bool | None


@dataclass(frozen=True)
class DueLine:
    item: DueItem
    target: float | None
    red_limit: float | None


def reporting_period(today: date) -> Period:
    """The month values are being reported for now: the one that ended last."""
    return Period("month", today.year, today.month).previous()


def default_period(frequency: str, today: date) -> Period:
    """The latest period of the indicator's own frequency that has ended."""
    return period_for(frequency, reporting_period(today))


def deadline(period: Period) -> date:
    """The reporting deadline of a period: the DEADLINE_DAY of the month after it ends."""
    return period.end_date().replace(day=DEADLINE_DAY)


def reporting_month(period: Period) -> Period:
    """The month whose reporting round a period belongs to (a tertial's or a year's last month)."""
    return Period("month", period.year, period.first_month() + period.month_count() - 1)


def checkin_context(*, session: Session, actor_id: int) -> CheckinContext:
    """Three queries: the person, the kommune's indicators with their reporting units, its units."""
    actor = org.load_actor(session, person_id=actor_id)
    links: dict[int, set[int]] = {}
    for ind_id, unit_id in session.exec(select(IndicatorUnit.indicator_id, IndicatorUnit.unit_id)
                                        .where(IndicatorUnit.org_id == actor.org_id)):
        links.setdefault(ind_id, set()).add(unit_id)
    inds = session.exec(select(Indicator).where(Indicator.org_id == actor.org_id, Indicator.active == True)  # noqa: E712
                        .order_by(col(Indicator.position), col(Indicator.id))).all()
    units = org.list_units(session, org_id=actor.org_id)
    return CheckinContext(
        person_id=actor_id, led_unit_ids=actor.led_unit_ids, org_wide=actor.org_wide,
        indicators=tuple(IndicatorRef(id=pk(i), name=i.name, measure=i.measure, direction=i.direction,
                                      frequency=i.frequency, unit_ids=frozenset(links.get(pk(i), set())))
                         for i in inds),
        units=tuple(UnitChoice(id=pk(u), name=u.name, path=u.path, kind=u.kind) for u in units))


def check_in(*, session: Session, actor_id: int, indicator: IndicatorRef, period: Period, value: str,
             unit_id: int | None = None, comment: str | None = None, now: datetime | None = None) -> CheckinResult:
    """Record one value through `indicators.record_value`, noting the value a correction replaces."""
    replaced = None
    mine = indicator.unit_ids & org.load_actor(session, person_id=actor_id).led_unit_ids
    read_unit = unit_id if unit_id is not None else (next(iter(mine)) if len(mine) == 1 else None)
    if read_unit is not None:
        old = session.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id,
                                                        IndicatorValue.unit_id == read_unit,
                                                        IndicatorValue.period == period.key)).first()
        replaced = old.value if old else None
    receipt = indicators.record_value(session=session, actor_id=actor_id, indicator=indicator.name,
                                      period=period.key, value=value, unit_id=unit_id, comment=comment, now=now)
    return CheckinResult(receipt=receipt, direction=indicator.direction,
                         replaced=replaced if receipt.corrected else None,
                         improving=improving(receipt.value, receipt.previous, indicator.direction))


def due_lines(*, session: Session, actor_id: int, period: Period, missing_only: bool = True) -> list[DueLine]:
    """The indicators due from the units this person leads for `period`, with each one's target."""
    out = []
    for item in indicators.due_indicators(session=session, actor_id=actor_id, period=period):
        if missing_only and not item.missing:
            continue
        year = int(item.period[:4])
        target, red = indicators.target_for(session, indicator_id=item.indicator_id, year=year)
        out.append(DueLine(item=item, target=target, red_limit=red))
    return out


def missing_count(*, session: Session, actor_id: int, today: date) -> tuple[Period, int]:
    """For the home view: how many indicators of the current reporting round still lack a value."""
    period = reporting_period(today)
    due = indicators.due_indicators(session=session, actor_id=actor_id, period=period)
    return period, sum(1 for d in due if d.missing)


def default_scopes(*, session: Session, actor_id: int) -> list[Scope]:
    """The card(s) a person sees by default: the kommune for the org-wide, else each unit or sector they lead."""
    actor = org.load_actor(session, person_id=actor_id)
    if actor.org_wide:
        return [resolve_scope(session, org_id=actor.org_id, kommune=True)]
    if not actor.led_unit_ids:
        return []
    units = session.exec(select(Unit).where(col(Unit.id).in_(actor.led_unit_ids)).order_by(col(Unit.path))).all()
    return [scope_of(session, org_id=actor.org_id, unit=UnitChoice(id=pk(u), name=u.name, path=u.path, kind=u.kind))
            for u in units]


def scope_of(session: Session, *, org_id: int, unit: UnitChoice) -> Scope:
    """A card scope for a unit a person picked: a sector rolls up its units, a unit is itself."""
    if unit.kind == "sector":
        return resolve_scope(session, org_id=org_id, sector=unit.path)
    if unit.kind == "top":
        return resolve_scope(session, org_id=org_id, kommune=True)
    try:
        return resolve_scope(session, org_id=org_id, unit=unit.path)
    except NotFound:
        raise NotFound(_("Fant ingen enhet «{name}».").format(name=unit.name)) from None
