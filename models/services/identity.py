"""Matching chat accounts to people, and remembering how to reach them."""

from __future__ import annotations

from sqlmodel import Session, select

from models.errors import UnknownPerson
from models.i18n import _
from models.services import org
from models.services._tx import writes
from models.sql import col, pk
from models.tables import ChatIdentity, Person
from models.tables._common import utcnow


def find_identity(*, session: Session, platform: str, workspace: str, user_id: str) -> ChatIdentity | None:
    return session.exec(select(ChatIdentity).where(ChatIdentity.platform == platform,
                                                   ChatIdentity.workspace == workspace,
                                                   ChatIdentity.user_id == user_id)).first()


def person_for_identity(*, session: Session, platform: str, workspace: str, user_id: str) -> int | None:
    """The person behind a known, active, linked chat account, or None when we must look them up."""
    ident = find_identity(session=session, platform=platform, workspace=workspace, user_id=user_id)
    if ident is None or not ident.active or ident.person_id is None:
        return None
    person = session.get(Person, ident.person_id)
    return person.id if person and person.active else None


@writes
def link_identity(*, session: Session, platform: str, workspace: str, user_id: str, email: str | None,
                  conversation_ref: dict | None = None, org_id: int | None = None) -> int:
    """Link a chat account to the person with this e-mail; raise UnknownPerson if there is none."""
    if not email:
        raise UnknownPerson(_("Jeg fant ingen e-postadresse på kontoen din, så jeg vet ikke hvem du er. "
                            "Kontakt Tråd-administratoren."))
    person = org.find_person_by_email(session, email=email, org_id=org_id)
    ident = find_identity(session=session, platform=platform, workspace=workspace, user_id=user_id)
    if ident is None:
        ident = ChatIdentity(org_id=person.org_id, platform=platform, workspace=workspace, user_id=user_id)
    ident.org_id = person.org_id  # a console account relinked to the same e-mail in another kommune
    ident.person_id = person.id
    ident.email = email.strip().lower()
    ident.active = True
    if conversation_ref is not None:
        ident.conversation_ref = conversation_ref
    ident.updated_at = utcnow()
    session.add(ident)
    return pk(person)


@writes
def save_conversation_ref(*, session: Session, platform: str, workspace: str, user_id: str,
                          conversation_ref: dict, org_id: int | None = None, email: str | None = None,
                          org_slug: str = "") -> None:
    """Store how to reach an account proactively (e.g. Teams install), even before we know who it is.

    `email`, when the platform told us, lets a later lookup by e-mail find this reference. A new
    account belongs to `org_id`, else to the kommune `org_slug` (TRAD_ORG), else to the first.
    """
    ident = find_identity(session=session, platform=platform, workspace=workspace, user_id=user_id)
    if ident is None:
        if org_id is None:
            org_id = pk(org.default_org(session, slug=org_slug))
        ident = ChatIdentity(org_id=org_id, platform=platform, workspace=workspace, user_id=user_id)
    ident.conversation_ref = conversation_ref
    if email:
        ident.email = email.strip().lower()
    ident.active = True
    ident.updated_at = utcnow()
    session.add(ident)


@writes
def retire_identity(*, session: Session, platform: str, workspace: str, user_id: str) -> None:
    ident = find_identity(session=session, platform=platform, workspace=workspace, user_id=user_id)
    if ident is not None:
        ident.active = False
        ident.conversation_ref = None
        ident.updated_at = utcnow()
        session.add(ident)


def identities_for_person(*, session: Session, person_id: int) -> list[ChatIdentity]:
    return list(session.exec(select(ChatIdentity).where(ChatIdentity.person_id == person_id,
                                                        ChatIdentity.active == True)  # noqa: E712
                             .order_by(col(ChatIdentity.updated_at).desc())).all())
