"""ROS register use cases: add, edit, review and close risks, their tiltak, and linking an avvik to a risk.

Risks are read along the line like avvik: a leader or kommunalsjef manages the risks of
their units and every unit below; the kommunedirektør and admins the whole kommune. The
risk's owner and its tiltak owners may see it. Every change is audited, and a score at or
above the thresholds escalates (models/services/escalation.py) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session, col, select

from models import governance_notices as gn
from models.access import Actor
from models.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from models.governance_terms import TREATMENTS, risk_ref
from models.i18n import _
from models.periods import local_date
from models.risk import risk_score
from models.services import audit, escalation, governance_reminders, org, outbox
from models.services._tx import writes
from models.tables import Avvik, Person, Risk, RiskAvvikLink, RiskTiltak, Unit
from models.tables._common import utcnow

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_PROCESS = 200


@dataclass(frozen=True)
class RiskInput:
    """What a leader fills in. Scores after tiltak default to those before (no tiltak planned yet)."""

    title: str
    description: str
    probability_before: int
    consequence_before: int
    treatment: str
    review_date: date
    unit_id: int | None = None
    cause: str = ""
    consequence_text: str = ""
    probability_after: int | None = None
    consequence_after: int | None = None
    owner_id: int | None = None
    process: str = ""
    goal_id: int | None = None


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def _score_ok(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def validate_risk_input(data: RiskInput, *, today: date) -> RiskInput:
    """Every field checked at once, so a form shows each message on its own field."""
    errors: dict[str, str] = {}
    title, desc = _clean(data.title), _clean(data.description)
    if len(title) < 3:
        errors["title"] = _("Gi risikoen en kort overskrift.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Overskriften kan være høyst {max_title} tegn.").format(max_title=MAX_TITLE)
    if len(desc) < 3:
        errors["description"] = _("Beskriv risikoen (hva kan gå galt?).")
    for name in ("description", "cause", "consequence_text"):
        if len(_clean(getattr(data, name))) > MAX_TEXT:
            errors[name] = _("Teksten kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT)
    if len(_clean(data.process)) > MAX_PROCESS:
        errors["process"] = _("Prosessen kan være høyst {max_process} tegn.").format(max_process=MAX_PROCESS)
    p_after = data.probability_before if data.probability_after is None else data.probability_after
    c_after = data.consequence_before if data.consequence_after is None else data.consequence_after
    for name, value in (("probability_before", data.probability_before), ("consequence_before", data.consequence_before),
                        ("probability_after", data.probability_after), ("consequence_after", data.consequence_after)):
        if not _score_ok(value) and not (name.endswith("_after") and value is None):
            errors[name] = _("Velg et tall fra 1 til 5.")
    if not errors.keys() & {"probability_before", "consequence_before", "probability_after", "consequence_after"} \
            and p_after * c_after > data.probability_before * data.consequence_before:
        errors["probability_after"] = _("Risikoen etter tiltak kan ikke være høyere enn før tiltak.")
    if data.treatment not in TREATMENTS:
        errors["treatment"] = _("Velg behandling: unngå, redusere, dele eller akseptere.")
    if data.review_date < today:
        errors["review_date"] = _("Datoen for neste gjennomgang kan ikke være passert.")
    if errors:
        raise ValidationFailed(errors)
    return replace(data, title=title, description=desc, cause=_clean(data.cause),
                   consequence_text=_clean(data.consequence_text), process=_clean(data.process),
                   probability_after=p_after, consequence_after=c_after)


def _unit_for(session: Session, actor: Actor, unit_id: int | None) -> Unit:
    """The unit a risk is registered on: it must exist in the actor's kommune and be theirs to manage."""
    unit = session.get(Unit, unit_id or actor.unit_id) if (unit_id or actor.unit_id) else None
    if unit is None or unit.org_id != actor.org_id or not unit.active:
        raise ValidationFailed({"unit_id": _("Velg en enhet i din kommune.")})
    if not actor.manages(unit.id):
        raise PermissionDenied(_("Bare ledere for enheten kan registrere og endre risikoer for den."))
    return unit


def _owner(session: Session, actor: Actor, owner_id: int | None) -> Person:
    owner = session.get(Person, owner_id or actor.person_id)
    if owner is None or owner.org_id != actor.org_id or not owner.active:
        raise ValidationFailed({"owner_id": _("Velg en ansvarlig i kommunen.")})
    return owner


def can_view(session: Session, actor: Actor, risk: Risk) -> bool:
    if risk.org_id != actor.org_id:
        return False
    if actor.manages(risk.unit_id) or actor.person_id == risk.owner_id:
        return True
    owners = session.exec(select(RiskTiltak.owner_id).where(RiskTiltak.risk_id == risk.id)).all()
    return actor.person_id in owners


def load_for_view(session: Session, actor: Actor, risk_id: int) -> Risk:
    risk = session.get(Risk, risk_id)
    if risk is None or not can_view(session, actor, risk):
        raise NotFound(_("Fant ikke risikoen."))  # the same answer as missing: another unit's risk stays unseen
    return risk


def _load_for_manage(session: Session, actor: Actor, risk_id: int) -> Risk:
    risk = load_for_view(session, actor, risk_id)
    if not actor.manages(risk.unit_id):
        raise PermissionDenied(_("Bare lederen for enheten kan endre denne risikoen."))
    return risk


def _apply(risk: Risk, clean: RiskInput, unit: Unit, owner: Person) -> None:
    assert clean.probability_after is not None and clean.consequence_after is not None
    risk.unit_id, risk.owner_id = unit.id, owner.id  # type: ignore[assignment]
    risk.title, risk.description, risk.cause = clean.title, clean.description, clean.cause
    risk.consequence_text, risk.process, risk.goal_id = clean.consequence_text, clean.process, clean.goal_id
    risk.probability_before, risk.consequence_before = clean.probability_before, clean.consequence_before
    risk.probability_after, risk.consequence_after = clean.probability_after, clean.consequence_after
    risk.risk_before = risk_score(clean.probability_before, clean.consequence_before)
    risk.risk_after = risk_score(clean.probability_after, clean.consequence_after)
    risk.treatment, risk.review_date = clean.treatment, clean.review_date


@writes
def add_risk(*, session: Session, actor_id: int, data: RiskInput, tz: str = "Europe/Oslo",
             thresholds: escalation.Thresholds | None = None) -> Risk:
    """Register a risk; a serious one is escalated in the same transaction."""
    actor = org.load_actor(session, person_id=actor_id)
    clean = validate_risk_input(data, today=local_date(utcnow(), tz))
    unit = _unit_for(session, actor, clean.unit_id)
    owner = _owner(session, actor, clean.owner_id)
    risk = Risk(org_id=actor.org_id, number=org.next_number(session, org_id=actor.org_id, name="risk"),
                unit_id=unit.id, title="", description="", probability_before=1, consequence_before=1,  # type: ignore[arg-type]
                risk_before=1, probability_after=1, consequence_after=1, risk_after=1, treatment="",
                owner_id=owner.id, review_date=clean.review_date, created_by_id=actor_id)  # type: ignore[arg-type]
    _apply(risk, clean, unit, owner)
    session.add(risk)
    session.flush()
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="risk.added", entity="risk", entity_id=risk.id)
    escalation.escalate_risk(session, risk, thresholds=thresholds)
    return risk


@writes
def update_risk(*, session: Session, actor_id: int, risk_id: int, data: RiskInput, tz: str = "Europe/Oslo",
                thresholds: escalation.Thresholds | None = None) -> Risk:
    """Edit every field (the web form). Moving it to another unit needs the right to manage both."""
    actor = org.load_actor(session, person_id=actor_id)
    risk = _load_for_manage(session, actor, risk_id)
    if risk.status != "aktiv":
        raise InvalidTransition(_("Risikoen er lukket og kan ikke endres."))
    clean = validate_risk_input(data, today=local_date(utcnow(), tz))
    unit = _unit_for(session, actor, clean.unit_id or risk.unit_id)
    _apply(risk, clean, unit, _owner(session, actor, clean.owner_id or risk.owner_id))
    risk.updated_at = utcnow()
    session.add(risk)
    audit.record(session, org_id=risk.org_id, actor_id=actor_id, action="risk.updated", entity="risk", entity_id=risk.id)
    escalation.escalate_risk(session, risk, thresholds=thresholds)
    return risk


@writes
def review_risk(*, session: Session, actor_id: int, risk_id: int, next_review: date,
                probability_before: int | None = None, consequence_before: int | None = None,
                probability_after: int | None = None, consequence_after: int | None = None,
                treatment: str | None = None, tz: str = "Europe/Oslo",
                thresholds: escalation.Thresholds | None = None, comment: str | None = None) -> Risk:
    """The periodic review: confirm or re-score, and set the next review date (answers the reminder).

    The review is kept in the audit trail (scores before and after, the comment), and the reminder
    that asked for it is edited in place to say it is done (`governance_reminders.risk_review_answered`).
    """
    actor = org.load_actor(session, person_id=actor_id)
    risk = _load_for_manage(session, actor, risk_id)
    if risk.status != "aktiv":
        raise InvalidTransition(_("Risikoen er lukket og kan ikke gjennomgås."))
    pb = probability_before or risk.probability_before
    cb = consequence_before or risk.consequence_before
    data = RiskInput(title=risk.title, description=risk.description, probability_before=pb, consequence_before=cb,
                     probability_after=probability_after or min(risk.probability_after, pb),
                     consequence_after=consequence_after or min(risk.consequence_after, cb),
                     treatment=treatment or risk.treatment, review_date=next_review, unit_id=risk.unit_id,
                     cause=risk.cause, consequence_text=risk.consequence_text, owner_id=risk.owner_id,
                     process=risk.process, goal_id=risk.goal_id)
    clean = validate_risk_input(data, today=local_date(utcnow(), tz))
    note = _clean(comment)[:1000]
    before, reminded = (risk.risk_before, risk.risk_after), (risk.review_date, risk.owner_id)
    _apply(risk, clean, _unit_for(session, actor, risk.unit_id), _owner(session, actor, risk.owner_id))
    risk.reviewed_at = risk.updated_at = utcnow()
    session.add(risk)
    audit.record(session, org_id=risk.org_id, actor_id=actor_id, action="risk.reviewed", entity="risk",
                 entity_id=risk.id, detail={"before": list(before), "after": [risk.risk_before, risk.risk_after],
                                            **({"comment": note} if note else {})})
    escalation.escalate_risk(session, risk, thresholds=thresholds)
    governance_reminders.risk_review_answered(session, risk, reminded_for=reminded[0], reminded_person=reminded[1],
                                              reviewer_id=actor_id, tz=tz)
    return risk


@writes
def close_risk(*, session: Session, actor_id: int, risk_id: int, reason: str) -> Risk:
    """A risk that no longer exists (the activity stopped) leaves the matrix; it stays in the audit."""
    actor = org.load_actor(session, person_id=actor_id)
    risk = _load_for_manage(session, actor, risk_id)
    if risk.status == "lukket":
        raise InvalidTransition(_("Risikoen er allerede lukket."))
    if len(_clean(reason)) < 3:
        raise ValidationFailed({"reason": _("Skriv hvorfor risikoen lukkes.")})
    risk.status, risk.closed_at = "lukket", utcnow()
    session.add(risk)
    audit.record(session, org_id=risk.org_id, actor_id=actor_id, action="risk.closed", entity="risk",
                 entity_id=risk.id, detail={"reason_length": len(_clean(reason))})
    return risk


@writes
def add_risk_tiltak(*, session: Session, actor_id: int, risk_id: int, description: str, deadline: date,
                    owner_id: int | None = None, tz: str = "Europe/Oslo") -> RiskTiltak:
    actor = org.load_actor(session, person_id=actor_id)
    risk = _load_for_manage(session, actor, risk_id)
    if risk.status != "aktiv":
        raise InvalidTransition(_("Risikoen er lukket. Tiltak kan ikke legges til."))
    errors: dict[str, str] = {}
    text = _clean(description)
    if not 3 <= len(text) <= MAX_TEXT:
        errors["description"] = _("Beskriv tiltaket.") if len(text) < 3 else _("Tiltaket kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT)
    if deadline < local_date(utcnow(), tz):
        errors["deadline"] = _("Fristen kan ikke være passert.")
    try:
        owner = _owner(session, actor, owner_id)
    except ValidationFailed as e:
        errors.update(e.errors)
    if errors:
        raise ValidationFailed(errors)
    tiltak = RiskTiltak(org_id=risk.org_id, risk_id=risk.id, description=text, owner_id=owner.id,  # type: ignore[arg-type]
                        deadline=deadline, created_by_id=actor_id)
    session.add(tiltak)
    session.flush()
    audit.record(session, org_id=risk.org_id, actor_id=actor_id, action="risk.tiltak_added", entity="risk",
                 entity_id=risk.id, detail={"tiltak_id": tiltak.id})
    if owner.id != actor_id:
        outbox.enqueue(session, org_id=risk.org_id, dedupe_key=f"risk_tiltak:{tiltak.id}:owner", kind="risk_tiltak_owner",
                       recipient_person_id=owner.id, payload=gn.tiltak_owner(risk_ref(risk.number), text, deadline,
                                                                             tiltak.id))  # type: ignore[arg-type]
    return tiltak


@writes
def complete_risk_tiltak(*, session: Session, actor_id: int, tiltak_id: int) -> RiskTiltak:
    actor = org.load_actor(session, person_id=actor_id)
    tiltak = session.get(RiskTiltak, tiltak_id)
    if tiltak is None or tiltak.org_id != actor.org_id:
        raise NotFound(_("Fant ikke tiltaket."))
    risk = session.get(Risk, tiltak.risk_id)
    assert risk is not None
    if tiltak.owner_id != actor_id and not actor.manages(risk.unit_id):
        raise PermissionDenied(_("Bare den ansvarlige eller lederen kan markere tiltaket som utført."))
    if tiltak.done_at is None:
        tiltak.done_at = utcnow()
        session.add(tiltak)
        audit.record(session, org_id=risk.org_id, actor_id=actor_id, action="risk.tiltak_done", entity="risk",
                     entity_id=risk.id, detail={"tiltak_id": tiltak.id})
    return tiltak


@writes
def link_avvik(*, session: Session, actor_id: int, avvik_id: int, risk_id: int) -> RiskAvvikLink:
    """Record that an avvik realised a risk (at most one risk per avvik; linking again moves it)."""
    actor = org.load_actor(session, person_id=actor_id)
    risk = _load_for_manage(session, actor, risk_id)
    avvik = session.get(Avvik, avvik_id)
    if avvik is None or avvik.org_id != actor.org_id or not actor.manages(avvik.unit_id):
        raise NotFound(_("Fant ikke avviket."))
    link = session.get(RiskAvvikLink, avvik_id)
    if link is None:
        link = RiskAvvikLink(avvik_id=avvik_id, org_id=actor.org_id, risk_id=risk_id, linked_by_id=actor_id)
    else:
        link.risk_id, link.linked_by_id, link.linked_at = risk_id, actor_id, utcnow()
    session.add(link)
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="risk.avvik_linked", entity="risk",
                 entity_id=risk.id, detail={"avvik_id": avvik_id})
    return link


def risk_for_avvik(*, session: Session, actor_id: int, avvik_id: int) -> int | None:
    """The id of the risk an avvik realised, if the actor may see that risk."""
    actor = org.load_actor(session, person_id=actor_id)
    rid = session.exec(select(RiskAvvikLink.risk_id).where(col(RiskAvvikLink.avvik_id) == avvik_id)).first()
    if rid is None:
        return None
    risk = session.get(Risk, rid)
    return rid if risk is not None and can_view(session, actor, risk) else None
