"""Enqueueing outgoing messages. Delivery lives in notifications/; this is only the write side."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session

from models.messages import Reply
from models.tables import OutboxMessage
from models.tables._common import utcnow


def enqueue(session: Session, *, dedupe_key: str, kind: str, payload: Reply | dict, org_id: int | None = None,
            recipient_person_id: int | None = None, target: str | None = None, platform: str = "auto",
            update_of_key: str | None = None, not_before: datetime | None = None) -> bool:
    """Add a message unless one with the same key exists. Returns True when it was added.

    INSERT … ON CONFLICT DO NOTHING on both databases: two schedulers racing to
    enqueue the same nudge leave exactly one row, with no exception to handle.
    """
    data = payload.model_dump(mode="json") if isinstance(payload, Reply) else payload
    now = utcnow()
    values = dict(
        org_id=org_id, dedupe_key=dedupe_key, kind=kind, platform=platform, recipient_person_id=recipient_person_id,
        target=target, payload=data, status="pending", attempts=0, next_attempt_at=not_before or now,
        created_at=now, update_of_key=update_of_key,
    )
    # RETURNING, not rowcount: psycopg reports rowcount 1 for a skipped ON CONFLICT DO NOTHING row.
    result = session.execute(_insert_statement(session.get_bind().dialect.name), values)
    return result.first() is not None


@lru_cache(maxsize=4)
def _insert_statement(dialect: str) -> Insert:
    """Built once per dialect and executed with parameters, so SQLAlchemy compiles it once."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
