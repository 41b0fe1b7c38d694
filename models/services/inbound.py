"""Idempotency for inbound deliveries: Slack retries an event, Teams redelivers an activity.

A delivery is claimed by inserting its id. A second delivery of a finished one is
skipped; a retry of one whose first attempt failed (or hung) is processed again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.services._tx import writes
from models.sql import col, rows_affected, table_of
from models.tables import InboundEvent
from models.tables._common import utcnow

STALE_AFTER = timedelta(seconds=60)


@writes
def claim_event(*, session: Session, platform: str, event_id: str) -> bool:
    """True when this delivery should be processed now."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    table = table_of(InboundEvent)
    ins = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).values(
        platform=platform, event_id=event_id, status="processing", received_at=now, updated_at=now)
    try:
        # RETURNING, not rowcount: on PostgreSQL rowcount is not reliable for ON CONFLICT DO NOTHING.
        inserted = session.execute(ins.on_conflict_do_nothing(index_elements=["platform", "event_id"])
                                   .returning(table.c.id)).first()
        if inserted is not None:
            return True
    except IntegrityError:
        return False
    row = session.exec(select(InboundEvent).where(InboundEvent.platform == platform, InboundEvent.event_id == event_id)
                       .with_for_update()).first()
    if row is None:
        return False
    if row.status == "failed" or (row.status == "processing" and now - row.updated_at > STALE_AFTER):
        row.status = "processing"
        row.updated_at = now
        session.add(row)
        return True
    return False


@writes
def finish_event(*, session: Session, platform: str, event_id: str, ok: bool = True) -> None:
    row = session.exec(select(InboundEvent).where(InboundEvent.platform == platform,
                                                  InboundEvent.event_id == event_id)).first()
    if row is not None:
        row.status = "done" if ok else "failed"
        row.updated_at = utcnow()
        session.add(row)


@writes
def prune_events(*, session: Session, older_than: timedelta = timedelta(days=2)) -> int:
    result = session.execute(delete(InboundEvent).where(col(InboundEvent.received_at) < utcnow() - older_than))
    return rows_affected(result)
