"""Signing in to the staff web pages from the Teams tab, with the person's validated SSO token.

Why a use case: mapping a Microsoft account to a person in the kommune is a rule (only
active people of this kommune, the Entra object id Tråd already knows first, then the
e-mail-like names in the token), and the session it opens is the same one the sign-in link
opens (`web_auth.open_session`): one session mechanism for every way in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.errors import PermissionDenied
from models.i18n import N_, _
from models.services import audit, web_auth
from models.services._tx import writes
from models.sql import pk
from models.tables import ChatIdentity, Person
from models.tables._common import utcnow

UNKNOWN = N_("Vi fant deg ikke blant de ansatte i Tråd. Be lederen din eller Tråd-administratoren legge deg inn "
           "med e-postadressen du bruker i Teams.")


def _person(session: Session, *, org_id: int, oid: str, names: tuple[str, ...]) -> Person | None:
    if oid:
        known = session.exec(select(ChatIdentity.person_id).where(
            ChatIdentity.platform == "teams", ChatIdentity.org_id == org_id, ChatIdentity.user_id == oid,
            col(ChatIdentity.active), col(ChatIdentity.person_id).is_not(None))).first()
        person = session.get(Person, known) if known is not None else None
        if person is not None and person.active and person.org_id == org_id:
            return person
    for name in names:
        person = session.exec(select(Person).where(Person.org_id == org_id, col(Person.active),
                                                   func.lower(Person.email) == name).order_by(col(Person.id))).first()
        if person is not None:
            return person
    return None


@writes
def sign_in(*, session: Session, org_id: int, oid: str, names: tuple[str, ...],
            now: datetime | None = None) -> tuple[str, int]:
    """Open a staff web session for the person the token names; returns (cookie value, person id)."""
    person = _person(session, org_id=org_id, oid=oid, names=tuple(n.strip().lower() for n in names if n))
    if person is None:
        raise PermissionDenied(_(UNKNOWN))
    cookie = web_auth.open_session(session, org_id=org_id, person_id=pk(person), now=now or utcnow())
    audit.record(session, org_id=org_id, actor_id=pk(person), action="web.signed_in", entity="person",
                 entity_id=pk(person), detail={"via": "teams_tab"})
    return cookie, pk(person)
