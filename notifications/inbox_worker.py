"""The background side of the report inbox: chat reports kept at the ack become avvik, oldest first.

Runs wherever the outbox worker runs (`Delivery.run`, so `trad serve`'s background process,
`trad deliver` and `trad scheduler`), and `Delivery.drain` empties it first, so a waiting report
always becomes its case before the case's notices are sent. The poll is a read, which on SQLite
never takes the write lock, so waiting costs the web nothing.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine

from models import inbox_signal
from models.services import report_inbox
from models.uow import UnitOfWork

log = logging.getLogger("trad.inbox")

POLL_S = 0.2  # a report kept in another process is registered within this (this process's wake the worker at once)
RETRY_S = 5.0  # after a failure that is not the report's fault (the database away)


def register_waiting(engine: Engine, *, limit: int = 100) -> int:
    """Register up to `limit` waiting reports; returns how many were handled."""
    uow = UnitOfWork(engine)
    with uow.read() as tx:
        if not report_inbox.waiting(session=tx):
            return 0
    done = 0
    with uow.write() as tx:
        while done < limit and report_inbox.register_next(session=tx):
            done += 1
    return done


async def run_inbox(engine: Engine, stop: asyncio.Event, *, poll_s: float = POLL_S) -> None:
    """Register reports until `stop` is set: at once when this process keeps one (`models.inbox_signal`),
    else at each poll."""
    with inbox_signal.listening() as arrival:
        while not stop.is_set():
            arrival.clear()  # before the look: a report kept while it registers brings another round
            pause = poll_s
            try:
                if await asyncio.to_thread(register_waiting, engine):
                    continue
            except Exception:  # noqa: BLE001 - the rows stay; the next round tries again
                log.exception("registering waiting reports failed; trying again in %.0f s", RETRY_S)
                pause = RETRY_S
                arrival.clear()  # the database is away: wait out the retry, not the next report
            await _first_of(stop, arrival if pause == poll_s else None, timeout=pause)


async def _first_of(stop: asyncio.Event, arrival: asyncio.Event | None, *, timeout: float) -> None:
    waits = {asyncio.ensure_future(stop.wait())}
    if arrival is not None:
        waits.add(asyncio.ensure_future(arrival.wait()))
    _done, pending = await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
