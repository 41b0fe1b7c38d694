"""How often a person may ask for a sign-in link: one rule for the staff pages and the recipients' pages.

The staff sign-in (`web_auth.request_link`) counts the links issued to a person in the last
`RATE_WINDOW` in the database, so the limit holds across server processes; the recipients'
link form (`/varsling/mottak/lenke`) uses the same figures and the same counting here.
Before counting, the person's row is locked (`SELECT … FOR UPDATE` on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), so parallel requests cannot all see "under the limit".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.services import varsling_keys as keys
from models.services._tx import writes
from models.services.web_auth import MAX_LINKS_PER_WINDOW, RATE_WINDOW
from models.tables import OutboxMessage, Person
from models.tables._common import utcnow

__all__ = ["MAX_LINKS_PER_WINDOW", "RATE_WINDOW", "lock_person", "recipient_links_recent", "request_recipient_link"]


def lock_person(session: Session, *, org_id: int, email: str) -> int | None:
    """The id of the active person with this e-mail, their row locked until the transaction ends."""
    email = (email or "").strip().lower()
    if not email or len(email) > 320:
        return None
    return session.exec(select(Person.id).where(Person.org_id == org_id, Person.active == True,  # noqa: E712
                                                func.lower(Person.email) == email)
                        .order_by(col(Person.id)).limit(1).with_for_update()).first()


def recipient_links_recent(session: Session, *, person_id: int, now: datetime) -> int:
    """Recipient sign-in links asked for in the window, counted by their outbox rows.

    The link's token is minted only at delivery (the outbox never holds a live secret), so
    the request is what is counted: the `varsling.login` notice enqueued for this person.
    """
    return int(session.exec(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "varsling.login", OutboxMessage.recipient_person_id == person_id,
        col(OutboxMessage.created_at) > now - RATE_WINDOW)).one())


@writes
def request_recipient_link(*, session: Session, org_id: int, email: str, public_base_url: str,
                           now: datetime | None = None) -> bool:
    """`varsling_keys.send_login_link`, at most MAX_LINKS_PER_WINDOW times per person and window.

    Returns whether a link was sent; the page answers the same either way.
    """
    person_id = lock_person(session, org_id=org_id, email=email)
    if person_id is None:
        return False
    if recipient_links_recent(session, person_id=person_id, now=now or utcnow()) >= MAX_LINKS_PER_WINDOW:
        return False
    return keys.send_login_link(session=session, org_id=org_id, email=email, public_base_url=public_base_url)
