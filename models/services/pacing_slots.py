"""Delivery pacing shared by every delivering process, through one small table (issue 13 pt 7, issue 15 pt 4).

Why in the database: N processes that each pace alone send N times over Slack's per-workspace and
per-channel limits and Teams' per-conversation limit. Each key (a workspace, a channel, a tenant, a
conversation) has the next moment a send may go there; a reservation reads the keys locked
(`FOR UPDATE` on PostgreSQL; SQLite's single writer serialises it anyway), takes the latest of those
moments, and moves each key on by its own interval, all in one short transaction. Times are seconds
since the epoch, so processes on several hosts agree as far as their clocks do (NTP).
"""

from __future__ import annotations

import time
from functools import lru_cache

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, col, select

from models.services._tx import writes
from models.tables.chat_install import PacingSlot


@lru_cache(maxsize=4)
def _insert_missing(dialect: str) -> Insert:
    table = PacingSlot.__table__  # type: ignore[attr-defined]
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing(index_elements=["key"])


@writes
def reserve(*, session: Session, keys: list[tuple[str, float]], now: float | None = None) -> float:
    """Book the next slot for all `keys` ((key, interval in seconds)) at once; returns the slot (epoch seconds).

    The slot is the latest «next allowed» of the keys (or now); each key then moves to slot + its interval.
    Without `now`, the clock is read once the keys are locked: a booking that waited for the lock behind
    another process would otherwise be given a moment already past, and its send would leave late,
    beside the next process's on-time one.
    """
    if not keys:
        return time.time() if now is None else now
    ordered = sorted(dict(keys).items())  # one lock order for everyone: no deadlocks between processes
    session.execute(_insert_missing(session.get_bind().dialect.name), [{"key": k, "next_at": 0.0} for k, _ in ordered])
    q = select(PacingSlot).where(col(PacingSlot.key).in_([k for k, _ in ordered])).order_by(col(PacingSlot.key))
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    current = {r.key: r.next_at for r in session.exec(q).all()}
    slot = max([time.time() if now is None else now, *current.values()])
    for key, interval in ordered:
        session.execute(update(PacingSlot).where(col(PacingSlot.key) == key).values(next_at=slot + interval))
    return slot


@writes
def hold(*, session: Session, key: str, until: float) -> None:
    """After a 429: nothing goes to `key` before `until` (an earlier booking is pushed back)."""
    session.execute(_insert_missing(session.get_bind().dialect.name), [{"key": key, "next_at": 0.0}])
    session.execute(update(PacingSlot).where(col(PacingSlot.key) == key, col(PacingSlot.next_at) < until)
                    .values(next_at=until))
