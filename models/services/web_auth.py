"""Password-less sign-in for the staff web pages: one-time links by chat or e-mail, and sessions.

Rules that matter:
- Asking for a link never reveals whether an address belongs to someone: the caller shows
  the same answer whatever `request_link` returns.
- A link is a random 32-byte token; only its SHA-256 is stored, and a link sent by chat or e-mail
  is minted at delivery (`outbox_links`), so the outbox never holds one. It lasts 15 minutes and is
  spent atomically (UPDATE … WHERE used_at IS NULL … RETURNING), so two clicks at once open
  one session at most.
- Sessions are random 32-byte cookies, stored as hashes, expiring 8 hours after the last use.
- Link requests are limited per person (3 per 15 minutes), counted in the database so the
  limit holds across server processes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from models.errors import PermissionDenied
from models.i18n import _
from models.messages import Action, Reply
from models.services import audit, outbox, outbox_links
from models.services._tx import writes
from models.sql import col, pk, rows_affected, table_of
from models.tables import Person
from models.tables._common import utcnow
from models.tables.web_auth import WebLoginToken, WebSession

LINK_TTL = outbox_links.WEB_LINK_TTL  # 15 minutes; one constant for the link and its minting
SESSION_TTL = timedelta(hours=8)
RATE_WINDOW = timedelta(minutes=15)
MAX_LINKS_PER_WINDOW = 3
# Sliding expiry is written at most this often per session, so reading pages stays read-mostly.
SLIDE_EVERY = timedelta(minutes=5)
LINK_PATH = "/logg-inn/lenke"


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _find_person(session: Session, *, org_id: int, email: str) -> Person | None:
    email = (email or "").strip().lower()
    if not email or len(email) > 320:
        return None
    return session.exec(select(Person).where(Person.org_id == org_id, Person.active == True,  # noqa: E712
                                             func.lower(Person.email) == email).order_by(col(Person.id))).first()


def _new_token(session: Session, person: Person, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(WebLoginToken(org_id=person.org_id, person_id=pk(person), token_hash=token_hash(token),
                              created_at=now, expires_at=now + LINK_TTL))
    session.flush()
    return token


def _reserve_token(session: Session, person: Person, now: datetime) -> int:
    """A token row nobody can use yet: the outbox worker keys it right before the send (`outbox_links`)."""
    row = WebLoginToken(org_id=person.org_id, person_id=pk(person), token_hash=outbox_links.unknowable_hash(),
                        created_at=now, expires_at=now + LINK_TTL)
    session.add(row)
    session.flush()
    return pk(row)


def link_url(public_base_url: str, token: str) -> str:
    return f"{public_base_url.rstrip('/')}{LINK_PATH}?t={token}"


def recent_links(session: Session, *, person_id: int, now: datetime) -> int:
    return int(session.exec(select(func.count()).select_from(WebLoginToken).where(
        WebLoginToken.person_id == person_id, WebLoginToken.created_at > now - RATE_WINDOW)).one())


@writes
def request_link(*, session: Session, org_id: int, email: str, public_base_url: str,
                 now: datetime | None = None) -> bool:
    """Send a sign-in link to the active person with this e-mail, through the outbox.

    Returns whether a link was sent (False for an unknown address or when rate-limited);
    the web page answers the same in every case.
    """
    now = now or utcnow()
    person = _find_person(session, org_id=org_id, email=email)
    if person is None:
        return False
    if recent_links(session, person_id=pk(person), now=now) >= MAX_LINKS_PER_WINDOW:
        return False
    row_id = _reserve_token(session, person, now)
    outbox.enqueue(
        session, org_id=person.org_id, dedupe_key=f"web.login:{person.id}:{row_id}", kind="web.login",
        recipient_person_id=person.id, platform="auto",
        payload=Reply(title="Logg inn i Tråd",
                      text="Du (eller noen som skrev inn e-postadressen din) ba om å logge inn i Tråd på nett. "
                           "Lenken gjelder i 15 minutter og kan brukes én gang. Ba du ikke om den, kan du se bort fra "
                           "denne meldingen.",
                      actions=[Action(label="Logg inn", action_id="web.login", url=link_url(public_base_url, outbox_links.placeholder("web", row_id)))]),
    )
    return True


@writes
def issue_link(*, session: Session, person_id: int, public_base_url: str, now: datetime | None = None) -> str:
    """A sign-in link for an administrator's command line (`trad web link`): returned, not sent."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise PermissionDenied(_("Personen er ikke aktiv i Tråd."))
    token = _new_token(session, person, now or utcnow())
    audit.record(session, org_id=person.org_id, actor_id=None, action="web.link_issued", entity="person",
                 entity_id=person.id)
    return link_url(public_base_url, token)


def link_is_usable(session: Session, *, token: str, now: datetime | None = None, org_id: int | None = None) -> bool:
    """Whether a link can still be used (for the confirmation page; in kommune `org_id` when given); does not spend it."""
    row = session.exec(select(WebLoginToken).where(WebLoginToken.token_hash == token_hash(token))).first()
    return row is not None and row.used_at is None and _aware(row.expires_at) > (now or utcnow()) \
        and (org_id is None or row.org_id == org_id)


@writes
def redeem_link(*, session: Session, token: str, now: datetime | None = None,
                org_id: int | None = None) -> tuple[str, int]:
    """Spend a sign-in link and open a session; returns (cookie value, person id).

    The single UPDATE with RETURNING is what makes the link single-use under concurrency. With
    `org_id`, a link of another kommune is refused (and stays unspent).
    """
    now = now or utcnow()
    table = table_of(WebLoginToken)
    same_org = table.c.org_id == org_id if org_id is not None else table.c.id.isnot(None)
    row = session.execute(
        update(table)
        .where(table.c.token_hash == token_hash(token), table.c.used_at.is_(None), table.c.expires_at > now, same_org)
        .values(used_at=now)
        .returning(table.c.person_id, table.c.org_id)
    ).first()
    if row is None:
        raise PermissionDenied(_("Innloggingslenken er brukt eller utløpt. Be om en ny lenke."))
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        raise PermissionDenied(_("Du er ikke registrert som aktiv ansatt i Tråd."))
    cookie = open_session(session, org_id=row.org_id, person_id=row.person_id, now=now)
    audit.record(session, org_id=row.org_id, actor_id=row.person_id, action="web.signed_in", entity="person",
                 entity_id=row.person_id)
    return cookie, row.person_id


def open_session(session: Session, *, org_id: int, person_id: int, now: datetime) -> str:
    """A new staff web session (the caller commits); returns the cookie value. Every sign-in
    (a link, the Teams tab's SSO) opens its session here."""
    cookie = secrets.token_urlsafe(32)
    session.add(WebSession(org_id=org_id, person_id=person_id, token_hash=token_hash(cookie),
                           created_at=now, expires_at=now + SESSION_TTL))
    return cookie


def session_person(session: Session, cookie: str | None, *, now: datetime | None = None,
                   org_id: int | None = None) -> int | None:
    """The person behind a session cookie, or None. Slides the expiry forward (at most every 5 minutes).

    With `org_id` (the kommune the request is for), a session opened in another kommune is refused.
    """
    if not cookie or len(cookie) > 200:
        return None
    now = now or utcnow()
    row = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(cookie))).first()
    if row is None or _aware(row.expires_at) <= now or (org_id is not None and row.org_id != org_id):
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    if _aware(row.expires_at) - now < SESSION_TTL - SLIDE_EVERY:
        row.expires_at = now + SESSION_TTL
        session.add(row)
        session.commit()
    return row.person_id


def session_locale(session: Session, cookie: str | None, *, now: datetime | None = None) -> str | None:
    """The language stored for the person behind a live session cookie (read only; for the web's language choice)."""
    if not cookie or len(cookie) > 200:
        return None
    now = now or utcnow()
    row = session.exec(select(WebSession.expires_at, Person.locale)
                       .join(Person, col(Person.id) == col(WebSession.person_id))
                       .where(WebSession.token_hash == token_hash(cookie), Person.active == True)).first()  # noqa: E712
    if row is None or _aware(row[0]) <= now:
        return None
    return row[1]


@writes
def end_session(*, session: Session, cookie: str) -> None:
    session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash(cookie)))


@writes
def purge_expired(*, session: Session, now: datetime | None = None) -> int:
    """Delete spent/expired links and sessions (a housekeeping job; nothing depends on it for safety)."""
    now = now or utcnow()
    a = session.execute(delete(WebSession).where(col(WebSession.expires_at) < now))
    b = session.execute(delete(WebLoginToken).where(col(WebLoginToken.expires_at) < now - RATE_WINDOW))
    return rows_affected(a) + rows_affected(b)
