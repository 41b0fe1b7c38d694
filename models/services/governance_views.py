"""Read models for the web pages of the ROS register, tilsyn, the årshjul and the calendar feed.

The pages need a few reads the domain modules do not offer (the register as a list, the
choices for a form, an activity's current values); they live here as frozen results so the
web edge never queries tables itself. Access follows the domain: risks along the line (and
the ones a person owns or holds tiltak in), units only those the reader may register on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, avvik_not_found
from models.governance_terms import RISK_STATUSES, TREATMENTS, risk_ref
from models.i18n import _
from models.risk import severity
from models.services import org
from models.services.arshjul import ActivityInput
from models.tables import ArshjulActivity, Avvik, CalendarFeedToken, Person, Risk, RiskTiltak, Unit

REGISTER_LIMIT = 500


@dataclass(frozen=True)
class Choice:
    """One option of a select: the value posted and the label shown."""

    value: str
    label: str


@dataclass(frozen=True)
class RiskRow:
    id: int
    ref: str
    title: str
    unit_name: str
    risk_before: int
    risk_after: int
    severity: str
    severity_after: str
    treatment_label: str
    owner_name: str
    review_date: date
    review_due: bool
    status_label: str


@dataclass(frozen=True)
class RiskRegister:
    """The risks a person may read, worst first; `units` are the filter's choices (empty for employees)."""

    rows: tuple[RiskRow, ...]
    units: tuple[Choice, ...]
    unit_id: int | None
    may_add: bool
    truncated: bool


def unit_choices(session: Session, actor: Actor) -> tuple[Choice, ...]:
    """The active units a person leads along the line (all of them for org-wide roles), by path."""
    units = org.list_units(session, org_id=actor.org_id)
    return tuple(Choice(str(u.id), u.path) for u in units if actor.manages(u.id))


def people_choices(session: Session, *, org_id: int) -> tuple[Choice, ...]:
    """Active people in the kommune, by name, for an owner select."""
    rows = session.exec(select(Person.id, Person.name, Person.email).where(
        col(Person.org_id) == org_id, col(Person.active).is_(True)).order_by(col(Person.name), col(Person.id))).all()
    return tuple(Choice(str(pid), f"{name} ({email})") for pid, name, email in rows)


def _scope(session: Session, actor: Actor, unit_id: int | None) -> ColumnElement[bool]:
    """Which risks the register lists: a unit and below, all the person leads, or (employees) their own."""
    if unit_id is not None and actor.manages(unit_id):
        return col(Risk.unit_id).in_(org.subtree_ids(session, {unit_id}))
    if actor.org_wide:
        return col(Risk.org_id) == actor.org_id
    if actor.is_leader:
        return col(Risk.unit_id).in_(actor.managed_unit_ids or {-1})
    tiltak_of = select(RiskTiltak.risk_id).where(col(RiskTiltak.owner_id) == actor.person_id)
    return (col(Risk.org_id) == actor.org_id) & (
        (col(Risk.owner_id) == actor.person_id) | col(Risk.id).in_(tiltak_of))


def risk_register(session: Session, *, actor_id: int, unit_id: int | None, today: date) -> RiskRegister:
    """Active risks first, highest score first; one query whatever the number of units."""
    actor = org.load_actor(session, person_id=actor_id)
    if unit_id is not None and not actor.manages(unit_id):
        unit_id = None  # a unit the person does not lead filters nothing (and reveals nothing)
    q = (select(Risk, Unit.name, Person.name).join(Unit, col(Unit.id) == col(Risk.unit_id))
         .join(Person, col(Person.id) == col(Risk.owner_id)).where(_scope(session, actor, unit_id))
         .order_by(col(Risk.status), col(Risk.risk_before).desc(), col(Risk.review_date), col(Risk.id))
         .limit(REGISTER_LIMIT + 1))
    rows = session.exec(q).all()
    out = tuple(RiskRow(
        id=r.id, ref=risk_ref(r.number), title=r.title, unit_name=unit_name, risk_before=r.risk_before,  # type: ignore[arg-type]
        risk_after=r.risk_after, severity=severity(r.risk_before), severity_after=severity(r.risk_after),
        treatment_label=TREATMENTS.get(r.treatment, r.treatment), owner_name=owner_name,
        review_date=r.review_date, review_due=r.status == "aktiv" and r.review_date <= today,
        status_label=RISK_STATUSES.get(r.status, r.status)) for r, unit_name, owner_name in rows[:REGISTER_LIMIT])
    return RiskRegister(rows=out, units=unit_choices(session, actor) if actor.is_leader else (), unit_id=unit_id,
                        may_add=actor.is_leader, truncated=len(rows) > REGISTER_LIMIT)


def scope_label(session: Session, *, actor_id: int, unit_id: int | None) -> str:
    """What a matrix covers, in words: a unit's path, or everything the person reads."""
    actor = org.load_actor(session, person_id=actor_id)
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is not None and unit.org_id == actor.org_id:
            return unit.path
    return _("Hele kommunen") if actor.org_wide else _("Enhetene du leder")


def avvik_id_by_number(session: Session, *, actor_id: int, number: int) -> int:
    """The id of AV-<number> in the person's kommune (access is checked by the use case that gets it)."""
    actor = org.load_actor(session, person_id=actor_id)
    aid = session.exec(select(Avvik.id).where(col(Avvik.org_id) == actor.org_id, col(Avvik.number) == number)).first()
    if aid is None:
        raise avvik_not_found(number)
    return aid


def activity_input(session: Session, *, actor_id: int, activity_id: int) -> ActivityInput:
    """An årshjul activity's current values, to fill the edit form."""
    actor = org.load_actor(session, person_id=actor_id)
    act = session.get(ArshjulActivity, activity_id)
    if act is None or act.org_id != actor.org_id or not act.active:
        raise NotFound(_("Fant ikke aktiviteten."))
    return ActivityInput(title=act.title, on_date=act.on_date, responsible_role=act.responsible_role,
                         lead_days=act.lead_days, yearly=act.yearly, kind=act.kind, description=act.description,
                         unit_id=act.unit_id)


def has_active_feed(session: Session, *, person_id: int) -> bool:
    """Whether the person has a calendar link that still works (the token itself is never shown again)."""
    return session.exec(select(CalendarFeedToken.id).where(
        col(CalendarFeedToken.person_id) == person_id, col(CalendarFeedToken.revoked_at).is_(None))).first() is not None


def my_risk_tiltak_ids(session: Session, *, person_id: int, risk_id: int) -> frozenset[int]:
    """The tiltak of a risk the person owns (they may mark those done without leading the unit)."""
    return frozenset(tid for tid in session.exec(select(RiskTiltak.id).where(
        col(RiskTiltak.risk_id) == risk_id, col(RiskTiltak.owner_id) == person_id)).all() if tid is not None)
