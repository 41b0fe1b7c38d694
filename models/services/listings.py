"""Read results for chat: what the conversation shows about avvik, oppdrag and people, as plain typed values.

Why here: the conversation and the chat edges never touch tables or sessions. They pass
the `Tx` they got from `UnitOfWork` to these queries and get frozen dataclasses with named
fields back, so nothing is lazy-loaded after the transaction ends and no view needs a table
class. The forms take small Protocols, so a table row and a read result both fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlmodel import Session, col, select

from models import notices
from models.access import can_manage_avvik
from models.errors import NotFound
from models.i18n import _
from models.messages import Action, Fact, Reply
from models.services import avvik as avvik_svc
from models.services import oppdrag as oppdrag_svc
from models.services import org, varsling_keys
from models.tables import Avvik, ChecklistItem, Oppdrag, Person, Unit

MAX_OWNER_OPTIONS = 99


class AvvikRef(Protocol):
    """What a form about one avvik needs."""

    @property
    def id(self) -> int | None: ...

    @property
    def number(self) -> int: ...


class OppdragRef(Protocol):
    """What the oppdrag form needs to show the current state."""

    @property
    def number(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def progress(self) -> int: ...


class UnitRef(Protocol):
    """A unit offered in the avvik form."""

    @property
    def id(self) -> int | None: ...

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class AvvikLine:
    """One avvik in a list: what a person may see of it, with the leader's buttons for its status."""

    id: int
    number: int
    title: str
    status: str
    risk: int
    created_at: datetime
    unit_id: int
    unit_name: str | None
    leader_actions: tuple[Action, ...] = ()

    @property
    def ref(self) -> str:
        return f"AV-{self.number}"


@dataclass(frozen=True)
class OppdragLine:
    """One oppdrag with its traffic light, computed when it was read."""

    number: int
    title: str
    category: str
    status: str
    progress: int
    deadline: date | None
    light: str | None


@dataclass(frozen=True)
class TiltakLine:
    description: str
    deadline: date
    done: bool


@dataclass(frozen=True)
class AvvikDetail:
    ref: str
    title: str
    description: str
    facts: list[Fact]
    tiltak: list[TiltakLine]
    actions: list[Action]  # the leader's buttons, empty when the reader may not manage it


@dataclass(frozen=True)
class AvvikFollowup:
    """After someone acted on an avvik: the leader's message as it should read now, and who is concerned."""

    leader_message: Reply
    people: frozenset[int]  # the reporter and the unit's leaders


def unit_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids))).all()
    return {int(uid): name for uid, name in rows if uid is not None}


def avvik_lines(session: Session, avvik: list[Avvik]) -> list[AvvikLine]:
    names = unit_names(session, {a.unit_id for a in avvik})
    return [AvvikLine(id=int(a.id or 0), number=a.number, title=a.title, status=a.status, risk=a.risk,
                      created_at=a.created_at, unit_id=a.unit_id, unit_name=names.get(a.unit_id),
                      leader_actions=tuple(notices.leader_actions(a))) for a in avvik]


def my_avvik(*, session: Session, person_id: int, limit: int = 50) -> list[AvvikLine]:
    return avvik_lines(session, avvik_svc.list_my_avvik(session=session, person_id=person_id, limit=limit))


def unit_avvik(*, session: Session, actor_id: int, limit: int = 100) -> list[AvvikLine]:
    return avvik_lines(session, avvik_svc.list_unit_avvik(session=session, actor_id=actor_id, limit=limit))


def oppdrag_line(o: Oppdrag) -> OppdragLine:
    return OppdragLine(number=o.number, title=o.title, category=o.category, status=o.status, progress=o.progress,
                       deadline=o.deadline, light=oppdrag_svc.traffic_light(o))


def my_oppdrag(*, session: Session, person_id: int) -> list[OppdragLine]:
    return [oppdrag_line(o) for o in oppdrag_svc.list_my_oppdrag(session=session, person_id=person_id)]


def find_oppdrag(*, session: Session, actor_id: int, number: int) -> OppdragLine:
    return oppdrag_line(oppdrag_svc.get_oppdrag(session=session, actor_id=actor_id, number=number))


def avvik_detail(*, session: Session, actor_id: int, avvik_id: int, tz: str) -> AvvikDetail:
    a = avvik_svc.get_avvik(session=session, actor_id=actor_id, avvik_id=avvik_id)
    actor = org.load_actor(session, person_id=actor_id)
    unit = session.get(Unit, a.unit_id)
    manage = actor.manages(a.unit_id) or a.assignee_id == actor_id
    tiltak = avvik_svc.list_tiltak(session=session, actor_id=actor_id, avvik_id=avvik_id)
    return AvvikDetail(ref=notices.avvik_ref(a), title=a.title, description=a.description,
                       facts=notices.avvik_facts(a, unit, tz),
                       tiltak=[TiltakLine(description=t.description, deadline=t.deadline, done=t.done_at is not None)
                               for t in tiltak],
                       actions=notices.leader_actions(a) if manage else [])


def avvik_followup(*, session: Session, actor_id: int, avvik_id: int) -> AvvikFollowup:
    a = avvik_svc.get_avvik(session=session, actor_id=actor_id, avvik_id=avvik_id)
    unit = session.get(Unit, a.unit_id)
    reporter = session.get(Person, a.reporter_id) if a.reporter_id is not None else None
    leaders = org.leaders_for_unit(session, unit_id=a.unit_id)
    msg = notices.new_avvik_to_leader(a, unit, reporter.name if reporter else "–")
    people = {p.id for p in leaders if p.id is not None}
    if a.reporter_id is not None:
        people.add(a.reporter_id)
    return AvvikFollowup(leader_message=msg, people=frozenset(people))


@dataclass(frozen=True)
class AvvikCase:
    """One avvik as a card shared in a channel shows it to one reader (Teams' user-specific views).

    `line` is None when the reader may not see the case at all (then only its number and status
    are shown); `manage` is the same rule the domain applies to every leader's button.
    """

    avvik_id: int
    number: int
    status: str
    line: AvvikLine | None
    manage: bool
    leader_ids: frozenset[int]  # the case's leaders: the unit's nearest leaders and its handler

    @property
    def ref(self) -> str:
        return f"AV-{self.number}"


def avvik_case(*, session: Session, actor_id: int, avvik_id: int) -> AvvikCase:
    """The avvik as `actor_id` may see it on a shared card. Another kommune's case is NotFound."""
    actor = org.load_actor(session, person_id=actor_id)
    a = session.get(Avvik, avvik_id)
    if a is None or a.org_id != actor.org_id:
        raise NotFound(_("Fant ikke avviket."))
    try:
        avvik_svc.get_avvik(session=session, actor_id=actor_id, avvik_id=avvik_id)
        line: AvvikLine | None = avvik_lines(session, [a])[0]
    except NotFound:
        line = None
    manage = line is not None and can_manage_avvik(actor, org_id=a.org_id, unit_id=a.unit_id,
                                                   assignee_id=a.assignee_id)
    leaders = {p.id for p in org.leaders_for_unit(session, unit_id=a.unit_id) if p.id is not None}
    if a.assignee_id is not None:
        leaders.add(a.assignee_id)
    return AvvikCase(avvik_id=avvik_id, number=a.number, status=a.status, line=line, manage=manage,
                     leader_ids=frozenset(leaders))


def tiltak_owner_options(*, session: Session, actor_id: int, org_id: int, unit_id: int) -> list[tuple[str, str]]:
    """Who may own a tiltak: active people in the avvik's unit and below (the actor always among them)."""
    units = org.subtree_ids(session, {unit_id}) | {unit_id}
    people = session.exec(select(Person.id, Person.name).where(
        Person.org_id == org_id, Person.active == True, col(Person.unit_id).in_(units))  # noqa: E712
        .order_by(Person.name).limit(MAX_OWNER_OPTIONS)).all()
    options = [(str(pid), name) for pid, name in people]
    if str(actor_id) not in {o[0] for o in options}:
        me = session.get(Person, actor_id)
        options.insert(0, (str(actor_id), me.name if me else "–"))
    return options


def check_item_text(session: Session, item_id: int) -> str:
    item = session.get(ChecklistItem, item_id)
    return item.text if item else ""


def varsling_recipient_names(session: Session, person_id: int | None) -> list[str]:
    """The names of the organisation's varslingsmottakere, to show whom a varsel reaches."""
    if person_id is None:
        return []
    person = session.get(Person, person_id)
    if person is None:
        return []
    return [p.name for p in varsling_keys.recipients(session, org_id=person.org_id)]


def who_was_told(session: Session, unit_id: int, *, reporter_id: int) -> str:
    """«Kari Leder (leder for Solvang skule) er varslet»: the unit's leaders, as report_avvik told them."""
    leaders = org.leaders_for_unit(session, unit_id=unit_id, exclude=reporter_id)
    return notices.who_was_told(org.unit_names(session, {unit_id}).get(unit_id), [p.name for p in leaders])
