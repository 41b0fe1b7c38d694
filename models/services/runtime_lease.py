"""Who runs the background work: one server process holds the lease, the others serve only requests.

Why a lease row and not a lock: it works alike on SQLite and PostgreSQL, outlives no process
(a holder that dies stops renewing and the lease lapses), and says in the database which
process holds it. `trad serve --workers N` starts N processes with the same settings; without
the lease each would run the scheduler and pace deliveries alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import case, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, col, select

from models.services._tx import writes
from models.tables import RuntimeLease

BACKGROUND = "background"  # the scheduler and the outbox worker (`trad serve`, `trad scheduler`)
DELIVERY = "delivery"  # `trad deliver` when pacing is per process: one deliverer at a time


@writes
def take_or_renew(*, session: Session, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
    """Take the lease if it is free or lapsed, renew it if `holder` has it; True when `holder` holds it now.

    One INSERT … ON CONFLICT DO UPDATE … WHERE: two processes racing for a lapsed lease
    cannot both win, on either database.
    """
    values = {"name": name, "holder": holder, "acquired_at": now, "expires_at": now + timedelta(seconds=ttl_s)}
    stmt = _upsert(session.get_bind().dialect.name)
    return session.execute(stmt, values).first() is not None


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Insert:
    table = RuntimeLease.__table__  # type: ignore[attr-defined]
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    mine = table.c.holder == ins.excluded.holder
    return ins.on_conflict_do_update(
        index_elements=["name"], where=or_(mine, table.c.expires_at < ins.excluded.acquired_at),
        set_={"holder": ins.excluded.holder, "expires_at": ins.excluded.expires_at,
              "acquired_at": case((mine, table.c.acquired_at), else_=ins.excluded.acquired_at)},
    ).returning(table.c.name)


@writes
def release(*, session: Session, name: str, holder: str) -> None:
    """Give the lease up at a clean stop, so another process takes over at once."""
    session.execute(delete(RuntimeLease).where(col(RuntimeLease.name) == name, col(RuntimeLease.holder) == holder))


def holder_of(*, session: Session, name: str, now: datetime) -> str | None:
    """The process holding a lease that has not lapsed, for the start-up log."""
    row = session.exec(select(RuntimeLease).where(col(RuntimeLease.name) == name,
                                                  col(RuntimeLease.expires_at) >= now)).first()
    return row.holder if row else None
