"""Who Tråd cannot reach in Teams yet, and what changes once it can.

Why here: installing the app for people (bot/teams/graph.py) is an edge's job, but which
people lack it, how their reference is stored and which undelivered messages get another
try are rules about our rows, so they live with the other use cases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.services import identity
from models.services._tx import writes
from models.sql import rows_affected
from models.tables import ChatIdentity, OutboxMessage, Person
from models.tables._common import utcnow
from models.tables.org import PersonRole

LEADER_ROLES = ("leder", "kommunalsjef", "kommunedirektør")


def people_without_teams(*, session: Session, org_id: int, leaders_only: bool = False,
                         email: str | None = None) -> list[tuple[int, str]]:
    """(person id, e-mail) of active people with no active Teams reference, oldest first."""
    reached = select(ChatIdentity.person_id).where(
        ChatIdentity.platform == "teams", col(ChatIdentity.active), col(ChatIdentity.person_id).is_not(None),
        col(ChatIdentity.conversation_ref).is_not(None))
    q = select(Person.id, Person.email).where(Person.org_id == org_id, col(Person.active),
                                               col(Person.id).not_in(reached))
    if leaders_only:
        q = q.where(col(Person.id).in_(select(PersonRole.person_id).where(col(PersonRole.role).in_(LEADER_ROLES))))
    if email:
        q = q.where(Person.email == email.strip().lower())
    return [(pid, str(mail)) for pid, mail in session.exec(q.order_by(col(Person.id))).all() if pid is not None and mail]


@writes
def remember_reached(*, session: Session, person_id: int, workspace: str, user_id: str,
                     conversation_ref: dict, now: datetime | None = None) -> int:
    """Store the Teams reference found after installing the app, and give the person's
    unreachable messages another try (the same rows: nothing is sent twice). Returns how many."""
    person = session.get(Person, person_id)
    if person is None:
        return 0
    identity.link_identity(session=session, platform="teams", workspace=workspace, user_id=user_id,
                           email=person.email, conversation_ref=conversation_ref, org_id=person.org_id)
    return _requeue(session, person_id, now or utcnow())


@writes
def retry_unreachable(*, session: Session, person_id: int, now: datetime | None = None) -> int:
    """The person can be reached now (they installed the app): their unreachable messages go out."""
    return _requeue(session, person_id, now or utcnow())


def _requeue(session: Session, person_id: int, now: datetime) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.recipient_person_id) == person_id, col(OutboxMessage.status) == "unreachable",
               col(OutboxMessage.platform).in_(("teams", "auto")))
        .values(status="pending", next_attempt_at=now, last_error=None))
    return rows_affected(result)
