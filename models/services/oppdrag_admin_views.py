"""Typed reads for the oppdrag administration pages: a letter's oppdrag, an oppdrag's form values, the choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from models.errors import PermissionDenied
from models.i18n import _
from models.services import org
from models.services.oppdrag_admin import may_split
from models.services.oppdragsbrev import DENIED, get_letter, may_manage_letter
from models.sql import pk
from models.tables import Goal, Oppdrag, Oppdragsbrev, OppdragUnit
from models.vocabulary import CLOSED_OPPDRAG_STATUSES, OPPDRAG_STATUSES


@dataclass(frozen=True)
class AdminRow:
    number: int
    title: str
    owner_name: str
    status_label: str
    deadline: date | None
    parent_number: int | None
    closed: bool


@dataclass(frozen=True)
class OppdragFacts:
    """An oppdrag as its admin forms need it, and what this person may do with it."""

    number: int
    title: str
    description: str
    category: str
    owner_id: int
    unit_ids: frozenset[int]
    deadline: date | None
    goal_id: int | None
    letter_id: int | None
    closed: bool
    may_manage: bool
    may_split: bool


def letter_oppdrag(session: Session, *, actor_id: int, letter_id: int) -> list[AdminRow]:
    actor = org.load_actor(session, person_id=actor_id)
    letter = get_letter(session, org_id=actor.org_id, letter_id=letter_id)
    if not may_manage_letter(actor, letter):
        raise PermissionDenied(_(DENIED))
    items = session.exec(select(Oppdrag).where(Oppdrag.oppdragsbrev_id == letter_id)
                         .order_by(col(Oppdrag.number))).all()
    names = org.person_names(session, {o.owner_id for o in items})
    numbers = {pk(o): o.number for o in items}
    return [AdminRow(number=o.number, title=o.title, owner_name=names.get(o.owner_id, ""),
                     status_label=OPPDRAG_STATUSES.get(o.status, o.status), deadline=o.deadline,
                     parent_number=numbers.get(o.parent_id) if o.parent_id else None,
                     closed=o.status in CLOSED_OPPDRAG_STATUSES) for o in items]


def oppdrag_facts(session: Session, *, actor_id: int, number: int) -> OppdragFacts:
    """NotFound for another kommune's or a missing number; the page decides from the two flags."""
    from models.services.oppdrag import get_oppdrag

    actor = org.load_actor(session, person_id=actor_id)
    o = get_oppdrag(session=session, actor_id=actor_id, number=number)
    letter = session.get(Oppdragsbrev, o.oppdragsbrev_id) if o.oppdragsbrev_id else None
    units = frozenset(session.exec(select(OppdragUnit.unit_id).where(OppdragUnit.oppdrag_id == o.id)).all())
    return OppdragFacts(number=o.number, title=o.title, description=o.description, category=o.category,
                        owner_id=o.owner_id, unit_ids=units, deadline=o.deadline, goal_id=o.goal_id,
                        letter_id=o.oppdragsbrev_id, closed=o.status in CLOSED_OPPDRAG_STATUSES,
                        may_manage=may_manage_letter(actor, letter), may_split=may_split(actor, o, letter))


def goal_choices(session: Session, *, org_id: int) -> list[tuple[str, str]]:
    goals = session.exec(select(Goal).where(Goal.org_id == org_id).order_by(col(Goal.position), col(Goal.id))).all()
    return [(str(pk(g)), g.title) for g in goals]
