"""Oppdrag from an oppdragsbrev: add, edit, split into sub-oppdrag, and close or cancel with a reason.

The admin pages, the import and the demo all come through here, so every oppdrag gets the
same checks, the same audit entry (before and after) and the same one message to its owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import _, fmt_date
from models.messages import Action, Fact, Reply
from models.services import audit, org, outbox
from models.services._tx import writes
from models.services.oppdragsbrev import DENIED, get_letter, may_manage_letter
from models.sql import pk
from models.tables import Goal, Oppdrag, Oppdragsbrev, OppdragUnit, OppdragUpdate, Person, PersonRole, Unit
from models.tables._common import utcnow
from models.vocabulary import CLOSED_OPPDRAG_STATUSES, OPPDRAG_CATEGORIES


@dataclass(frozen=True)
class OppdragInput:
    title: str
    category: str
    owner_id: int
    description: str = ""
    unit_ids: tuple[int, ...] = field(default_factory=tuple)
    deadline: date | None = None
    goal_id: int | None = None


def validate(session: Session, *, org_id: int, data: OppdragInput) -> dict[str, str]:
    """Every field's problem at once, worded for the person who typed it."""
    errors: dict[str, str] = {}
    if not data.title.strip() or len(data.title) > 300:
        errors["title"] = _("Skriv en tittel på høyst 300 tegn.")
    if len(data.description) > 5000:
        errors["description"] = _("Beskrivelsen kan være høyst 5000 tegn.")
    if data.category not in OPPDRAG_CATEGORIES:
        errors["category"] = _("Velg en kategori fra kommunens liste.")
    owner = session.get(Person, data.owner_id) if data.owner_id > 0 else None
    if owner is None or owner.org_id != org_id or not owner.active:
        errors["owner_id"] = _("Velg en aktiv ansatt som eier av oppdraget.")
    for uid in data.unit_ids:
        unit = session.get(Unit, uid) if uid > 0 else None
        if unit is None or unit.org_id != org_id or not unit.active:
            errors["unit_ids"] = _("Velg enheter som finnes i kommunen.")
    if data.deadline is not None and not 2000 <= data.deadline.year <= 2100:
        errors["deadline"] = _("Skriv en frist mellom år 2000 og 2100.")
    if data.goal_id is not None:
        goal = session.get(Goal, data.goal_id) if data.goal_id > 0 else None
        if goal is None or goal.org_id != org_id:
            errors["goal_id"] = _("Fant ikke målet.")
    return errors


def snapshot(session: Session, o: Oppdrag) -> dict[str, Any]:
    """What the audit log keeps of an oppdrag, before and after a change."""
    return {"number": o.number, "title": o.title, "description": o.description, "category": o.category,
            "owner_id": o.owner_id, "unit_ids": sorted(_units(session, pk(o))) if o.id else [],
            "deadline": o.deadline.isoformat() if o.deadline else None, "goal_id": o.goal_id,
            "oppdragsbrev_id": o.oppdragsbrev_id, "parent_id": o.parent_id, "status": o.status}


def _units(session: Session, oppdrag_id: int) -> set[int]:
    return set(session.exec(select(OppdragUnit.unit_id).where(OppdragUnit.oppdrag_id == oppdrag_id)).all())


def _set_units(session: Session, oppdrag_id: int, unit_ids: tuple[int, ...]) -> None:
    wanted = set(unit_ids)
    for row in session.exec(select(OppdragUnit).where(OppdragUnit.oppdrag_id == oppdrag_id)).all():
        if row.unit_id not in wanted:
            session.delete(row)
    for uid in sorted(wanted - _units(session, oppdrag_id)):
        session.add(OppdragUnit(oppdrag_id=oppdrag_id, unit_id=uid))
    session.flush()


def notify_owner(session: Session, o: Oppdrag, *, delegated: bool) -> bool:
    """One actionable message to the owner of a new or delegated oppdrag; never twice for the same owner."""
    def reply() -> Reply:  # in the owner's language (built inside outbox.enqueue)
        title = _("Du har fått et delegert oppdrag") if delegated else _("Du har fått et nytt oppdrag")
        facts = [Fact(label=_("Kategori"), value=o.category)]
        if o.deadline:
            facts.append(Fact(label=_("Frist"), value=fmt_date(o.deadline)))
        return Reply(title=title, text=_("Oppdrag {number}: {title}").format(number=o.number, title=o.title),
                     facts=facts, actions=[Action(label=_("Oppdater"), action_id="oppdrag.update", value=str(o.number),
                                                  style="primary")])
    return outbox.enqueue(session, org_id=o.org_id, dedupe_key=f"oppdrag:{o.id}:owner:{o.owner_id}",
                          kind="oppdrag_owner", payload=reply, recipient_person_id=o.owner_id)


def _actor(session: Session, actor_id: int | None) -> Actor | None:
    return None if actor_id is None else org.load_actor(session, person_id=actor_id)


def _by_number(session: Session, org_id: int, number: int) -> Oppdrag:
    o = session.exec(select(Oppdrag).where(Oppdrag.org_id == org_id, Oppdrag.number == number)).first()
    if o is None:
        raise NotFound(_("Fant ikke oppdrag {number}.").format(number=number))
    return o


def _letter_of(session: Session, o: Oppdrag) -> Oppdragsbrev | None:
    return session.get(Oppdragsbrev, o.oppdragsbrev_id) if o.oppdragsbrev_id else None


def insert(session: Session, *, org_id: int, actor_id: int | None, data: OppdragInput, letter_id: int | None,
           parent: Oppdrag | None = None, number: int | None = None) -> Oppdrag:
    """Validate, store, audit and tell the owner. No permission check: the callers make theirs first."""
    errors = validate(session, org_id=org_id, data=data)
    if errors:
        raise ValidationFailed(errors)
    o = Oppdrag(org_id=org_id, number=number or org.next_number(session, org_id=org_id, name="oppdrag"),
                title=data.title.strip(), description=data.description.strip(), category=data.category,
                owner_id=data.owner_id, deadline=data.deadline, goal_id=data.goal_id, oppdragsbrev_id=letter_id,
                parent_id=parent.id if parent else None)
    session.add(o)
    session.flush()
    _set_units(session, pk(o), data.unit_ids)
    audit.record(session, org_id=org_id, actor_id=actor_id, action="oppdrag.split" if parent else "oppdrag.created",
                 entity="oppdrag", entity_id=o.id, detail={"before": None, "after": snapshot(session, o)})
    notify_owner(session, o, delegated=parent is not None)
    return o


@writes
def add_oppdrag(*, session: Session, actor_id: int | None, org_id: int, letter_id: int, data: OppdragInput) -> Oppdrag:
    """A new oppdrag in a letter, for those who manage the letter (None: the system, for imports)."""
    letter = get_letter(session, org_id=org_id, letter_id=letter_id)
    actor = _actor(session, actor_id)
    if actor is not None and not may_manage_letter(actor, letter):
        raise PermissionDenied(_(DENIED))
    return insert(session, org_id=org_id, actor_id=actor_id, data=data, letter_id=letter_id)


def apply_edit(session: Session, *, o: Oppdrag, actor_id: int | None, data: OppdragInput,
               letter_id: int | None, parent_id: int | None) -> bool:
    """Change an oppdrag in place; False (and no audit entry) when nothing differs."""
    errors = validate(session, org_id=o.org_id, data=data)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(session, o)
    o.title, o.description, o.category = data.title.strip(), data.description.strip(), data.category
    o.owner_id, o.deadline, o.goal_id, o.oppdragsbrev_id = data.owner_id, data.deadline, data.goal_id, letter_id
    o.parent_id = parent_id
    _set_units(session, pk(o), data.unit_ids)
    after = snapshot(session, o)
    if after == before:
        session.expire(o)
        return False
    o.updated_at = utcnow()
    session.add(o)
    audit.record(session, org_id=o.org_id, actor_id=actor_id, action="oppdrag.edited", entity="oppdrag",
                 entity_id=o.id, detail={"before": before, "after": after})
    if after["owner_id"] != before["owner_id"]:
        notify_owner(session, o, delegated=o.parent_id is not None)
    return True


@writes
def edit_oppdrag(*, session: Session, actor_id: int, number: int, data: OppdragInput) -> Oppdrag:
    actor = org.load_actor(session, person_id=actor_id)
    o = _by_number(session, actor.org_id, number)
    if not may_manage_letter(actor, _letter_of(session, o)):
        raise PermissionDenied(_(DENIED))
    apply_edit(session, o=o, actor_id=actor_id, data=data, letter_id=o.oppdragsbrev_id, parent_id=o.parent_id)
    return o


def may_split(actor: Actor, o: Oppdrag, letter: Oppdragsbrev | None) -> bool:
    """The owner of an oppdrag splits it down the line; so may those who manage its letter."""
    return actor.org_id == o.org_id and (actor.person_id == o.owner_id or may_manage_letter(actor, letter))


@writes
def split_oppdrag(*, session: Session, actor_id: int, number: int, title: str, owner_id: int,
                  unit_ids: tuple[int, ...], deadline: date | None = None, description: str = "") -> Oppdrag:
    """A sub-oppdrag for units below the splitter's own, with its own owner; category, letter and goal carry over."""
    actor = org.load_actor(session, person_id=actor_id)
    parent = _by_number(session, actor.org_id, number)
    if not may_split(actor, parent, _letter_of(session, parent)):
        raise PermissionDenied(_("Bare eieren av oppdrag {number} kan dele det opp.").format(number=number))
    if parent.status in CLOSED_OPPDRAG_STATUSES:
        raise ValidationFailed({"form": _("Oppdrag {number} er lukket og kan ikke deles opp.").format(number=number)})
    if not unit_ids:
        raise ValidationFailed({"unit_ids": _("Velg minst én enhet for deloppdraget.")})
    if not actor.org_wide and any(u not in actor.managed_unit_ids for u in unit_ids):
        raise PermissionDenied(_("Du kan bare dele oppdraget med enheter under deg."))
    data = OppdragInput(title=title, category=parent.category, owner_id=owner_id, description=description,
                        unit_ids=unit_ids, deadline=deadline or parent.deadline, goal_id=parent.goal_id)
    return insert(session, org_id=actor.org_id, actor_id=actor_id, data=data, letter_id=parent.oppdragsbrev_id,
                  parent=parent)


@writes
def close_oppdrag(*, session: Session, actor_id: int, number: int, outcome: str, reason: str) -> Oppdrag:
    """Fullført or avbrutt, with the reason kept in the history. Only those who manage the letter cancel."""
    actor = org.load_actor(session, person_id=actor_id)
    o = _by_number(session, actor.org_id, number)
    manager = may_manage_letter(actor, _letter_of(session, o))
    if not (manager or (outcome == "fullfort" and actor.person_id == o.owner_id)):
        raise PermissionDenied(_("Du har ikke tilgang til å lukke oppdrag {number}.").format(number=number))
    errors: dict[str, str] = {}
    if outcome not in CLOSED_OPPDRAG_STATUSES:
        errors["outcome"] = _("Velg fullført eller avbrutt.")
    text = reason.replace("\x00", "").strip()
    if not text or len(text) > 3000:
        errors["reason"] = _("Skriv en begrunnelse på høyst 3000 tegn.")
    if o.status in CLOSED_OPPDRAG_STATUSES:
        errors["form"] = _("Oppdrag {number} er allerede lukket.").format(number=number)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(session, o)
    o.status = outcome
    if outcome == "fullfort":
        o.progress = 100
    o.updated_at = o.last_status_at = utcnow()
    session.add(o)
    session.add(OppdragUpdate(org_id=o.org_id, oppdrag_id=pk(o), actor_id=actor_id, status=o.status,
                              progress=o.progress, comment=text))
    audit.record(session, org_id=o.org_id, actor_id=actor_id, action="oppdrag.closed", entity="oppdrag",
                 entity_id=o.id, detail={"before": before, "after": {**snapshot(session, o), "reason": text}})
    return o


def children(session: Session, *, oppdrag_id: int) -> list[Oppdrag]:
    return list(session.exec(select(Oppdrag).where(Oppdrag.parent_id == oppdrag_id).order_by(col(Oppdrag.number))).all())


def _unit_named(session: Session, actor: Actor, name: str) -> Unit:
    wanted = " ".join(name.lower().split())
    units = [u for u in org.list_units(session, org_id=actor.org_id)
             if wanted in (u.name.lower(), u.path.lower()) and (actor.org_wide or actor.manages(u.id))]
    if len(units) != 1:
        raise NotFound(_("Fant ingen enhet under deg som heter «{value}».").format(value=name[:80]))
    return units[0]


@writes
def split_to_unit(*, session: Session, actor_id: int, number: int, unit_name: str) -> Oppdrag:
    """«del oppdrag 12 med Solvang skole»: a sub-oppdrag for that unit, owned by its own leader."""
    actor = org.load_actor(session, person_id=actor_id)
    parent = _by_number(session, actor.org_id, number)
    if not may_split(actor, parent, _letter_of(session, parent)):
        raise PermissionDenied(_("Du har ikke tilgang til å dele opp oppdrag {number}: bare eieren kan det.").format(number=number))
    unit = _unit_named(session, actor, unit_name)
    leader = session.exec(select(PersonRole.person_id).join(Person, col(Person.id) == PersonRole.person_id).where(
        PersonRole.unit_id == unit.id, PersonRole.role == "leder", col(Person.active).is_(True))
        .order_by(col(PersonRole.person_id))).first()
    if leader is None:
        raise ValidationFailed({"owner_id": _("{name} har ingen leder i Tråd. Velg en eier på nettsiden for oppdraget.").format(name=unit.name)})
    return split_oppdrag.__wrapped__(session=session, actor_id=actor_id, number=number,
                                     title=f"{parent.title} – {unit.name}", owner_id=leader, unit_ids=(pk(unit),))
