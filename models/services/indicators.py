"""Entering indicator values (with validation and correction history) and what a leader has due.

The same checks serve a chat check-in (`record_value`) and a values import (via
`check_entry` and `store_value`), so a value is accepted or refused the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import _
from models.indicator_rules import (
    FREQUENCY_LABELS,
    Light,
    implausible,
    is_future,
    parse_number,
    period_for,
    traffic_light,
    trend,
)
from models.periods import Period, local_date, parse_period
from models.services import audit, org
from models.services._tx import writes
from models.sql import pk
from models.tables import (
    Indicator,
    IndicatorTarget,
    IndicatorUnit,
    IndicatorValue,
    IndicatorValueRevision,
    Unit,
)
from models.tables._common import utcnow

MAX_COMMENT = 2000
_EXAMPLE = {"month": "2026-11", "tertial": "2026-T3", "year": "2026"}


@dataclass(frozen=True)
class ValueReceipt:
    """What the bot confirms after a check-in: the stored value and its new trafikklys."""

    indicator: str
    unit: str
    period: str
    period_label: str
    measure: str
    value: float
    target: float | None
    red_limit: float | None
    light: Light
    previous: float | None
    trend: str | None
    corrected: bool


@dataclass(frozen=True)
class ValueVersion:
    value: float
    comment: str | None
    entered_by_id: int | None
    entered_at: datetime
    current: bool


@dataclass(frozen=True)
class DueItem:
    """One indicator a leader's unit reports for a period; `value` None means it is still missing."""

    indicator_id: int
    indicator: str
    measure: str
    frequency: str
    unit_id: int
    unit: str
    period: str
    period_label: str
    value: float | None
    overdue: bool = False  # its deadline passed in an earlier round and it is still missing

    @property
    def missing(self) -> bool:
        return self.value is None


def can_enter(actor: Actor, *, org_id: int, unit_id: int) -> bool:
    """Only the leaders of the reporting unit itself, and admins, enter its values."""
    return actor.org_id == org_id and ("admin" in actor.roles or unit_id in actor.led_unit_ids)


def can_read(actor: Actor, *, org_id: int, unit_id: int) -> bool:
    """Everyone along the line: the unit's leader, the kommunalsjef above, kommunedirektør, admin."""
    return actor.org_id == org_id and actor.manages(unit_id)


def find_indicator(session: Session, *, org_id: int, name: str) -> Indicator:
    wanted = " ".join(name.split()).lower()
    ind = session.exec(select(Indicator).where(Indicator.org_id == org_id, Indicator.active == True,  # noqa: E712
                                               func.lower(Indicator.name) == wanted)).first()
    if ind is None:
        raise ValidationFailed({"indicator": _("Ukjent indikator «{value}». Skriv «styringskort» for å se indikatorene dine.").format(value=name.strip()[:60])})
    return ind


def reporting_unit_ids(session: Session, indicator_id: int) -> set[int]:
    return set(session.exec(select(IndicatorUnit.unit_id).where(IndicatorUnit.indicator_id == indicator_id)).all())


def check_entry(ind: Indicator, period_text: str, value_text: str | float, today: date) -> tuple[Period, float]:
    """The period and number of one entry, or ValidationFailed with a message per bad field."""
    errors: dict[str, str] = {}
    per: Period | None = None
    try:
        per = parse_period(period_text)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if per is not None and per.kind != ind.frequency:
        errors["period"] = (_("«{name}» rapporteres per {value}; skriv perioden som f.eks. {value2}.").format(name=ind.name, value=FREQUENCY_LABELS[ind.frequency], value2=_EXAMPLE[ind.frequency]))
    elif per is not None and is_future(per, today):
        errors["period"] = _("Perioden {label} har ikke begynt ennå; du kan ikke registrere verdier for den.").format(label=per.label)
    number = parse_number(value_text)
    if number is None:
        errors["value"] = _("«{value}» er ikke et tall. Skriv f.eks. 93,4.").format(value=str(value_text).strip()[:40])
    elif msg := implausible(number, ind.measure):
        errors["value"] = msg
    if errors:
        raise ValidationFailed(errors)
    assert per is not None and number is not None
    return per, number


def store_value(session: Session, *, ind: Indicator, unit_id: int, period: Period, value: float,
                comment: str | None, actor_id: int | None, existing: IndicatorValue | None) -> bool:
    """Write the value; a correction first keeps the old one as a revision. True when it corrected."""
    now = utcnow()
    if existing is None:
        session.add(IndicatorValue(org_id=ind.org_id, indicator_id=pk(ind), unit_id=unit_id, period=period.key,
                                   value=value, comment=comment, entered_by_id=actor_id, entered_at=now))
        return False
    if existing.value == value and existing.comment == comment:
        return False
    session.add(IndicatorValueRevision(org_id=ind.org_id, value_id=pk(existing), value=existing.value,
                                       comment=existing.comment, entered_by_id=existing.entered_by_id,
                                       entered_at=existing.entered_at, replaced_by_id=actor_id, replaced_at=now))
    existing.value, existing.comment, existing.entered_by_id, existing.entered_at = value, comment, actor_id, now
    session.add(existing)
    return True


def target_for(session: Session, *, indicator_id: int, year: int) -> tuple[float | None, float | None]:
    """The target and red limit of `year`, else of the latest year before it, else of the first year."""
    rows = session.exec(select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator_id)
                        .order_by(col(IndicatorTarget.year))).all()
    earlier = [r for r in rows if r.year <= year]
    hit = earlier[-1] if earlier else (rows[0] if rows else None)
    return (hit.target, hit.red_limit) if hit else (None, None)


def _value_at(session: Session, ind: Indicator, unit_id: int, key: str) -> IndicatorValue | None:
    return session.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == ind.id,
                                                     IndicatorValue.unit_id == unit_id,
                                                     IndicatorValue.period == key)).first()


def _pick_unit(session: Session, actor: Actor, ind: Indicator, unit_id: int | None) -> Unit:
    reporting = reporting_unit_ids(session, pk(ind))
    if unit_id is None:
        mine = sorted(reporting & actor.led_unit_ids)
        if not mine and "admin" not in actor.roles:
            raise PermissionDenied(_("Bare lederne for enhetene som rapporterer «{name}», kan registrere verdier.").format(name=ind.name))
        if len(mine) != 1:
            hint = "Du leder ingen enhet som rapporterer den." if not mine else "Du leder flere enheter som rapporterer den."
            raise ValidationFailed({"unit": _("Si hvilken enhet verdien for «{name}» gjelder. {hint}").format(name=ind.name, hint=hint)})
        unit_id = mine[0]
    unit = session.get(Unit, unit_id)
    if unit is None or unit.org_id != ind.org_id:
        raise NotFound(_("Fant ikke enheten."))
    if unit_id not in reporting:
        raise ValidationFailed({"unit": _("{name} rapporterer ikke «{name2}».").format(name=unit.name, name2=ind.name)})
    return unit


@writes
def record_value(*, session: Session, actor_id: int, indicator: str, period: str, value: str | float,
                 unit_id: int | None = None, comment: str | None = None, now: datetime | None = None) -> ValueReceipt:
    """A leader checks in one value. Refused or invalid entries change nothing."""
    actor = org.load_actor(session, person_id=actor_id)
    ind = find_indicator(session, org_id=actor.org_id, name=indicator)
    unit = _pick_unit(session, actor, ind, unit_id)
    if not can_enter(actor, org_id=ind.org_id, unit_id=pk(unit)):
        raise PermissionDenied(_("Bare lederen for {name} kan registrere verdier for enheten.").format(name=unit.name))
    per, number = check_entry(ind, period, value, local_date(now or utcnow()))
    text = (comment or "").replace("\x00", "").strip() or None
    if text and len(text) > MAX_COMMENT:
        raise ValidationFailed({"comment": _("Kommentaren kan være høyst {max_comment} tegn.").format(max_comment=MAX_COMMENT)})
    existing = _value_at(session, ind, pk(unit), per.key)
    corrected = store_value(session, ind=ind, unit_id=pk(unit), period=per, value=number, comment=text,
                            actor_id=actor_id, existing=existing)
    audit.record(session, org_id=ind.org_id, actor_id=actor_id,
                 action="indicator_value.corrected" if corrected else "indicator_value.recorded",
                 entity="indicator", entity_id=ind.id, detail={"unit_id": unit.id, "period": per.key})
    target, red = target_for(session, indicator_id=pk(ind), year=per.year)
    prev = _value_at(session, ind, pk(unit), per.previous().key)
    previous = prev.value if prev else None
    return ValueReceipt(indicator=ind.name, unit=unit.name, period=per.key, period_label=per.label, measure=ind.measure,
                        value=number, target=target, red_limit=red, light=traffic_light(number, target, red, ind.direction),
                        previous=previous, trend=trend(number, previous), corrected=corrected)


def value_history(*, session: Session, actor_id: int, indicator_id: int, unit_id: int, period: str) -> list[ValueVersion]:
    """Every version of one value, oldest first, the current one last (read along the line)."""
    actor = org.load_actor(session, person_id=actor_id)
    if not can_read(actor, org_id=actor.org_id, unit_id=unit_id):
        raise PermissionDenied(_("Du har ikke tilgang til styringskortet for denne enheten."))
    cur = session.exec(select(IndicatorValue).where(IndicatorValue.org_id == actor.org_id,
                                                    IndicatorValue.indicator_id == indicator_id,
                                                    IndicatorValue.unit_id == unit_id, IndicatorValue.period == period)).first()
    if cur is None:
        return []
    old = session.exec(select(IndicatorValueRevision).where(IndicatorValueRevision.value_id == cur.id)
                       .order_by(col(IndicatorValueRevision.id))).all()
    return [ValueVersion(value=r.value, comment=r.comment, entered_by_id=r.entered_by_id, entered_at=r.entered_at,
                         current=False) for r in old] + [
        ValueVersion(value=cur.value, comment=cur.comment, entered_by_id=cur.entered_by_id,
                     entered_at=cur.entered_at, current=True)]


def due_indicators(*, session: Session, actor_id: int, period: Period) -> list[DueItem]:
    """The indicators the units this leader leads report for `period`, with the value if it is in.

    `period` is the reporting round (the month that ended last). Each indicator's own period is the
    latest one that has ended by then: it is due in the round it ends in (a tertial from the tertial's
    end until its deadline, the 10th of the month after; a year likewise), and after that it stays on
    the list, marked overdue, for as long as it is missing, until the next one of its own ends. Two queries.
    """
    actor = org.load_actor(session, person_id=actor_id)
    if not actor.led_unit_ids:
        return []
    rows = session.exec(select(Indicator, Unit.id, Unit.name)
                        .join(IndicatorUnit, col(IndicatorUnit.indicator_id) == Indicator.id)
                        .join(Unit, col(Unit.id) == IndicatorUnit.unit_id)
                        .where(Indicator.org_id == actor.org_id, Indicator.active == True,  # noqa: E712
                               col(IndicatorUnit.unit_id).in_(actor.led_unit_ids))
                        .order_by(Unit.path, col(Indicator.position), Indicator.name)).all()
    due = [(ind, int(uid or 0), uname, period_for(ind.frequency, period)) for ind, uid, uname in rows]
    keys = {d[3].key for d in due}
    values = {(v.indicator_id, v.unit_id, v.period): v.value for v in session.exec(
        select(IndicatorValue).where(IndicatorValue.org_id == actor.org_id, col(IndicatorValue.period).in_(keys),
                                     col(IndicatorValue.unit_id).in_(actor.led_unit_ids)))} if keys else {}
    items = [DueItem(indicator_id=pk(ind), indicator=ind.name, measure=ind.measure, frequency=ind.frequency,
                     unit_id=uid, unit=uname, period=per.key, period_label=per.label,
                     value=values.get((pk(ind), uid, per.key)), overdue=per.end_date() != period.end_date())
             for ind, uid, uname, per in due]
    return [d for d in items if not (d.overdue and not d.missing)]
