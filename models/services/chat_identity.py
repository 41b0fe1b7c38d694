"""Chat accounts as the edges need them: plain values, never `ChatIdentity` rows.

The linking rules live in `models.services.identity`; this module answers the read-side
questions a chat edge asks (how do I reach this account, which accounts does a person
have, whom should an unknown user contact) and queues a reply the platform refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from models.messages import Reply
from models.services import identity, outbox
from models.services._tx import writes
from models.tables import Person, PersonRole


@dataclass(frozen=True)
class Account:
    platform: str
    workspace: str
    user_id: str
    active: bool
    conversation_ref: dict[str, Any] | None


def account(*, session: Session, platform: str, workspace: str, user_id: str) -> Account | None:
    ident = identity.find_identity(session=session, platform=platform, workspace=workspace, user_id=user_id)
    if ident is None:
        return None
    return Account(platform=ident.platform, workspace=ident.workspace, user_id=ident.user_id, active=ident.active,
                   conversation_ref=dict(ident.conversation_ref) if ident.conversation_ref else None)


def accounts_of(*, session: Session, person_id: int, platform: str) -> list[tuple[str, str]]:
    """(workspace, user id) of a person's active accounts on one platform, the most recently used first."""
    rows = identity.identities_for_person(session=session, person_id=person_id)
    return [(r.workspace, r.user_id) for r in rows if r.platform == platform]


def user_ids_of(*, session: Session, person_ids: frozenset[int], platform: str, workspace: str) -> list[str]:
    """The active accounts of several people in one workspace (a shared card's readers who may act)."""
    out: list[str] = []
    for pid in sorted(person_ids):
        out.extend(uid for ws, uid in accounts_of(session=session, person_id=pid, platform=platform) if ws == workspace)
    return out


def admin_names(*, session: Session, limit: int = 3, org_id: int | None = None) -> list[str]:
    """Whom an unknown user should contact: the Tråd administrators (of kommune `org_id` when given)."""
    q = (select(Person.name).join(PersonRole, col(PersonRole.person_id) == col(Person.id))
         .where(PersonRole.role == "admin", Person.active == True))  # noqa: E712
    if org_id is not None:
        q = q.where(Person.org_id == org_id)
    return list(session.exec(q.order_by(Person.name).limit(limit)).all())


@writes
def queue_reply(*, session: Session, dedupe_key: str, kind: str, payload: Reply, platform: str,
                recipient_person_id: int | None, target: str | None) -> bool:
    """A direct answer the platform would not take now: the outbox worker delivers it with back-off."""
    return outbox.enqueue(session, dedupe_key=dedupe_key, kind=kind, payload=payload,
                          recipient_person_id=recipient_person_id, platform=platform, target=target)
