"""Enqueueing outgoing messages. Delivery lives in notifications/; this is only the write side."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, select

from models.messages import Reply
from models.services.languages import speaking_to
from models.tables import OutboxMessage
from models.tables._common import utcnow

Payload = Reply | dict | Callable[[], Reply]


def enqueue(session: Session, *, dedupe_key: str, kind: str, payload: Payload, org_id: int | None = None,
            recipient_person_id: int | None = None, target: str | None = None, platform: str = "auto",
            update_of_key: str | None = None, not_before: datetime | None = None,
            row_id: int | None = None, created_at: datetime | None = None) -> bool:
    """Add a message unless one with the same key exists. Returns True when it was added.

    INSERT … ON CONFLICT DO NOTHING on both databases: two schedulers racing to
    enqueue the same nudge leave exactly one row, with no exception to handle.

    A callable `payload` is built here in the recipient's language (the kommune's for a channel),
    so every caller gets per-person language by passing `lambda: notices.…(…)`.
    """
    data = compose(session, payload, recipient_person_id, org_id)
    now = utcnow()
    values = dict(
        org_id=org_id, dedupe_key=dedupe_key, kind=kind, platform=platform, recipient_person_id=recipient_person_id,
        target=target, payload=data, status="pending", attempts=0, next_attempt_at=not_before or now,
        created_at=created_at or now, update_of_key=update_of_key,
    )
    if row_id is not None:
        values["id"] = row_id
    # RETURNING, not rowcount: psycopg reports rowcount 1 for a skipped ON CONFLICT DO NOTHING row.
    result = session.execute(_insert_statement(session.get_bind().dialect.name), values)
    return result.first() is not None


def compose(session: Session, payload: Payload, person_id: int | None, org_id: int | None) -> dict:
    """The payload as stored: a builder runs inside the recipient's language, which the reply keeps
    (`Reply.locale`) so the platform renderer adds its own labels in the same language."""
    if callable(payload):
        with speaking_to(session, person_id, org_id) as locale:
            payload = payload().model_copy(update={"locale": locale})
    return payload.model_dump(mode="json") if isinstance(payload, Reply) else payload


@lru_cache(maxsize=4)
def _insert_statement(dialect: str) -> Insert:
    """Built once per dialect and executed with parameters, so SQLAlchemy compiles it once."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


# ---------------------------------------------------------------- messages that must not tell when they were caused

BATCH_HOURS = (8, 14)  # local delivery times of notices whose cause is anonymous (a new varsel, the reporter's reply)


def next_batch(now: datetime, *, tz: str = "Europe/Oslo") -> datetime:
    """The next fixed delivery time (08:00 or 14:00 local) strictly after `now`, in UTC."""
    local = now.astimezone(ZoneInfo(tz))
    for days in range(0, 3):
        day = local.date() + timedelta(days=days)
        for hour in BATCH_HOURS:
            slot = datetime.combine(day, time(hour), tzinfo=ZoneInfo(tz))
            if slot > local:
                return slot.astimezone(UTC)
    raise AssertionError("unreachable: a batch falls within two days")


def _free_random_id(session: Session) -> int:
    """A negative id the sequence never hands out: the row's id says nothing about when it was added.

    Collisions between random ids are checked for (a 1-in-2^31 event per row)."""
    while True:
        candidate = -(secrets.randbelow(2**31 - 2) + 1)
        if session.exec(select(OutboxMessage.id).where(OutboxMessage.id == candidate)).first() is None:
            return candidate


def enqueue_undated(session: Session, *, day: datetime, tz: str = "Europe/Oslo", **kw: Any) -> bool:
    """`enqueue` for a message that must not place its cause more precisely than the date `day`.

    The row is due at the next delivery batch, its `created_at` is midnight of `day`, and its id is
    random (negative), so neither its times nor its place among other rows' ids tell the time
    of day. `enqueue`'s other arguments pass through.
    """
    return enqueue(session, not_before=next_batch(utcnow(), tz=tz), created_at=day, row_id=_free_random_id(session),
                   **kw)
