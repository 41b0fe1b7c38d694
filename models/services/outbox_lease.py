"""Keeping a claim on outbox rows alive while a live worker is still sending them.

Why: a claim (`status="sending"`, `claimed_at`) is the only sign that a worker owns a
row. A short lease lets another process reclaim the rows of a killed worker within
seconds, but a live worker pacing a long batch would then lose rows it has not sent
yet. So the live worker renews its claim every few seconds (a heartbeat), and only the
rows of a dead worker age past the lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from models.services._tx import writes
from models.tables import OutboxMessage


@writes
def renew(*, session: Session, row_ids: list[int], at: datetime, lease_s: float) -> int:
    """Stamp `claimed_at = at` on the rows still `sending` whose lease has not run out; returns how many.

    A row whose lease already ran out may have been reclaimed by another worker: it is left
    alone, so the heartbeat never takes a row back from its new owner.
    """
    if not row_ids:
        return 0
    stale = at - timedelta(seconds=lease_s)
    result = session.execute(update(OutboxMessage)
                             .where(col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.status) == "sending",
                                    col(OutboxMessage.claimed_at) >= stale)
                             .values(claimed_at=at))
    return int(getattr(result, "rowcount", 0) or 0)
