"""Sign-in links in outgoing messages: minted at delivery, never stored.

Why: a copy of the database (a backup, a support dump, a curious admin) must not hold a link
that signs anyone in. So an outbox row carries only a *placeholder* in the button's URL,
`{mint:web:<token row id>}` or `{mint:varsling:<person id>}`; the outbox worker asks `mint`
for the real link right before the send, and the link lives only in memory and in the
recipient's chat or inbox. The database keeps, as before, only the token's SHA-256.

- Staff links (`web`): the row (`web_login_token`) is reserved when the link is requested, so
  the per-person rate limit still counts requests; its hash is of a random value nobody
  knows until `mint` re-keys it with a fresh token and a fresh 15 minutes.
- Recipients' links (`varsling`): the token row is created by `mint`, at delivery. A notice
  of a new varsel is delivered in a batch at a fixed time of day, so neither the outbox nor
  the token table records when the varsel was sent.

A row re-minted after a crash (the lease ran out) gets a new token; a link sent by the
crashed attempt then no longer works, which is the safe side. A placeholder that can no
longer be minted (the person left) stays a dead link.

`scrub_delivered` blanks any plain link left in delivered rows by older versions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, select

from models.services import varsling_crypto as vc
from models.services._tx import writes
from models.sql import col, table_of
from models.tables import OutboxMessage, Person, PersonRole
from models.tables._common import utcnow
from models.tables.varsling import RecipientLoginToken
from models.tables.web_auth import WebLoginToken

# As varsling_keys.RECIPIENT_ROLE (that module imports this one, so not the other way round).
RECIPIENT_ROLE = "varslingsmottaker"
PLACEHOLDER = re.compile(r"\{mint:(web|varsling):(\d+)\}")
WEB_LINK_TTL = timedelta(minutes=15)
VARSLING_LINK_TTL = timedelta(hours=24)
_PLAIN_TOKEN = re.compile(r"[?&]t=(?!\{mint:)[^&#\s]+")


def placeholder(scope: str, ref: int) -> str:
    return "{mint:" + f"{scope}:{ref}" + "}"


def unknowable_hash() -> str:
    """A SHA-256 of a random value that is thrown away: a reserved token nobody can use."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def has_placeholder(payload: dict) -> bool:
    return any(PLACEHOLDER.search(a.get("url") or "") for a in payload.get("actions") or [])


def _web_hash(token: str) -> str:
    """As `web_auth.token_hash` (that module imports this one)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _mint_web(session: Session, row_id: int, now: datetime) -> str | None:
    token = secrets.token_urlsafe(32)
    table = table_of(WebLoginToken)
    done = session.execute(update(table).where(table.c.id == row_id, table.c.used_at.is_(None))
                           .values(token_hash=_web_hash(token), expires_at=now + WEB_LINK_TTL)
                           .returning(table.c.id)).first()
    return token if done is not None else None


def _mint_varsling(session: Session, person_id: int, now: datetime) -> str | None:
    person = session.get(Person, person_id)
    still_recipient = session.exec(select(PersonRole.id).where(PersonRole.person_id == person_id,
                                                               PersonRole.role == RECIPIENT_ROLE)).first()
    if person is None or not person.active or still_recipient is None:
        return None
    token = secrets.token_urlsafe(32)
    session.add(RecipientLoginToken(token_hash=vc.token_hash(token), person_id=person_id,
                                    expires_at=now + VARSLING_LINK_TTL))
    return token


@writes
def mint(*, session: Session, payload: dict, now: datetime | None = None) -> dict:
    """The payload with each placeholder replaced by a fresh one-time token (only its hash is stored)."""
    now = now or utcnow()
    minted: dict[str, str] = {}

    def token_for(match: re.Match[str]) -> str:
        if match.group(0) not in minted:
            scope, ref = match.group(1), int(match.group(2))
            token = _mint_web(session, ref, now) if scope == "web" else _mint_varsling(session, ref, now)
            minted[match.group(0)] = token or "utlopt"
        return minted[match.group(0)]

    out: dict[str, Any] = dict(payload)
    out["actions"] = [dict(a, url=PLACEHOLDER.sub(token_for, a["url"])) if a.get("url") else a
                      for a in payload.get("actions") or []]
    return out


@writes
def scrub_delivered(*, session: Session) -> int:
    """Blank plain sign-in links in delivered rows (left by versions before links were minted at delivery)."""
    rows = session.exec(select(OutboxMessage).where(
        col(OutboxMessage.status).not_in(("pending", "sending")),
        or_(col(OutboxMessage.kind) == "web.login", col(OutboxMessage.kind).like("varsling.%")))).all()
    changed = 0
    for row in rows:
        actions = (row.payload or {}).get("actions") or []
        if not any(_PLAIN_TOKEN.search(a.get("url") or "") for a in actions):
            continue
        row.payload = dict(row.payload, actions=[dict(a, url=None) if _PLAIN_TOKEN.search(a.get("url") or "") else a
                                                 for a in actions])
        session.add(row)
        changed += 1
    return changed
