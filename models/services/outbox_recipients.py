"""Who an outbox message goes to, and where they can be reached: read and remembered for delivery.

The worker and the delivery adapters get plain values (`Addressee`, `Identity`), never
rows, so they hold nothing that a closed session could expire and import no ORM.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from models.services import identity
from models.tables import ChatIdentity, Person

log = logging.getLogger("trad.outbox")


@dataclass(frozen=True)
class Addressee:
    """The person a message is for."""

    id: int
    org_id: int
    email: str
    name: str
    active: bool


@dataclass(frozen=True)
class Identity:
    """One chat account of a person (Slack user, Teams user with its conversation reference)."""

    platform: str
    user_id: str
    workspace: str
    conversation_ref: dict | None


def _addressee(p: Person) -> Addressee:
    assert p.id is not None
    return Addressee(id=p.id, org_id=p.org_id, email=p.email, name=p.name, active=p.active)


def _identity(i: ChatIdentity) -> Identity:
    ref = dict(i.conversation_ref) if i.conversation_ref else None
    return Identity(platform=i.platform, user_id=i.user_id, workspace=i.workspace, conversation_ref=ref)


def addressees(*, session: Session, person_ids: Iterable[int]) -> dict[int, Addressee]:
    people = session.exec(select(Person).where(col(Person.id).in_(set(person_ids)))).all()
    return {a.id: a for a in map(_addressee, people)}


def addressee(*, session: Session, person_id: int) -> Addressee | None:
    p = session.get(Person, person_id)
    return _addressee(p) if p is not None else None


def identities_of(*, session: Session, person_ids: Iterable[int],
                  platforms: set[str] | None = None) -> dict[int, list[Identity]]:
    """Active chat accounts per person, most recently updated first."""
    q = select(ChatIdentity).where(col(ChatIdentity.person_id).in_(set(person_ids)), col(ChatIdentity.active))
    if platforms is not None:
        q = q.where(col(ChatIdentity.platform).in_(platforms))
    out: dict[int, list[Identity]] = {}
    for i in session.exec(q.order_by(col(ChatIdentity.updated_at).desc(), col(ChatIdentity.id).desc())).all():
        if i.person_id is not None:
            out.setdefault(i.person_id, []).append(_identity(i))
    return out


def remember_identity(*, session: Session, platform: str, person: Addressee, found: dict[str, Any]) -> None:
    """Store an account found by e-mail so the next message goes straight there.

    A lost race on the unique key is fine: the identity is there, so nothing is raised.
    """
    try:
        identity.link_identity(session=session, platform=platform, workspace=str(found.get("workspace") or ""),
                               user_id=str(found["user_id"]), email=person.email,
                               conversation_ref=found.get("conversation_ref"), org_id=person.org_id)
    except Exception:  # noqa: BLE001
        log.info("identity for person %s on %s not stored", person.id, platform)


def stored_conversation(*, session: Session, platform: str, workspace: str | None = None,
                        user_id: str | None = None, email: str | None = None) -> dict | None:
    """The newest stored conversation reference of an active account, by platform user id or e-mail.

    Teams cannot start a chat from an e-mail address: it needs the reference saved when the
    app was installed for the person (or the team).
    """
    q = select(ChatIdentity).where(ChatIdentity.platform == platform, col(ChatIdentity.active))
    if user_id is not None:
        q = q.where(ChatIdentity.user_id == user_id)
    if email is not None:
        q = q.where(ChatIdentity.email == email.strip().lower())
    if workspace:
        q = q.where(ChatIdentity.workspace == workspace)
    for ident in session.exec(q.order_by(col(ChatIdentity.updated_at).desc())).all():
        if ident.conversation_ref:
            return {"user_id": ident.user_id, "workspace": ident.workspace,
                    "conversation_ref": dict(ident.conversation_ref)}
    return None
