"""The outbox worker: claim due messages fairly across kommuner, send each at a safe pace, record the outcome.

Why it is built this way:
- Claiming marks rows `sending` in one short transaction (`models.services.outbox_delivery`),
  so two workers never send one row. The claim takes kommuner in turns and caps one kommune's
  rows in flight at a few seconds of its pace (`Pacer.in_flight_per_kommune`), so one busy
  workspace never holds the rows of the others (issue 13).
- The running worker (`run_worker`) claims again as its sends finish, a few times a second,
  instead of waiting for a whole batch: a batch barrier made every workspace wait for the
  slowest one's last pacing slot. `deliver_due` (one claim, then wait for it) serves
  `trad deliver --once` and the tests.
- A row left in `sending` by a crashed worker is reclaimed after a short lease (20 s by
  default), which a live worker renews for the rows it still holds (`_heartbeat`), so a
  restarted server delivers a dead one's rows within seconds. Before resending a reclaimed row
  the worker asks the adapter whether the message already went out (`find_sent`), which closes
  the crash-between-send-and-commit window where the platform allows it (Slack message metadata).
- How one row is sent (candidates, pacing, `RetryLater` never losing a message, the per-row
  deadline) lives in `notifications.outbox_send`.

The worker touches rows only through the use cases in `models.services.outbox_delivery`
and `outbox_recipients`; the engine it is given comes from the composition root.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models.services import outbox_delivery as rows
from models.services.outbox_delivery import Claimed
from notifications.base import Adapter
from notifications.inbox_worker import register_waiting, run_inbox
from notifications.outbox_heartbeat import heartbeat as _heartbeat
from notifications.outbox_send import (
    DEFAULT_LEASE_S,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_SEND_TIMEOUT_S,
    STUCK_REPORT_EVERY_S,
    _Rows,
    _send_deadline,
    backoff,
    deliver_claimed,
    utcnow,
)
from notifications.outbox_shares import KommuneShares
from notifications.pacing import Limit, Pacer, limits_from_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

__all__ = ["Claimed", "Delivery", "Limit", "Pacer", "backoff", "deliver_due", "limits_from_settings", "run_worker"]

log = logging.getLogger("trad.outbox")

IN_FLIGHT = 100  # rows one running worker holds at once; most of them wait for their pacing slot
CLAIM_EVERY_S = 0.25  # while busy, claim again this often (one claim per finished send would cost a query each)


async def deliver_due(engine: Engine, adapters: dict[str, Adapter], *, limit: int = 100, now: datetime | None = None,
                      pacer: Pacer | None = None, lease_s: float = DEFAULT_LEASE_S,
                      max_attempts: int = DEFAULT_MAX_ATTEMPTS, concurrency: int = 16,
                      send_timeout_s: float = DEFAULT_SEND_TIMEOUT_S) -> int:
    """Claim and deliver up to `limit` due messages; returns how many were claimed.

    Messages for platforms without an adapter here stay pending (another process, or a
    later configuration, may deliver them); `platform="auto"` rows are resolved per person.
    The composition root passes the process's `pacer` and the configured lease and attempts;
    without a pacer nothing is paced.
    """
    pacer = pacer or Pacer()
    db = _Rows(engine)
    claimed = await db.write(rows.claim_due, platforms=set(adapters), limit=limit, now=now or utcnow(),
                             lease_s=lease_s, per_org=pacer.in_flight_per_kommune(set(adapters)))
    if not claimed:
        return 0
    gate = asyncio.Semaphore(concurrency)
    pending = {r.id for r in claimed}
    deadline = _send_deadline(send_timeout_s, lease_s)

    async def one(row: Claimed) -> None:
        async with gate:
            await deliver_claimed(db, adapters, row, pacer, pending, deadline=deadline, lease_s=lease_s,
                                  max_attempts=max_attempts)

    async with _heartbeat(db, pending, lease_s):
        await asyncio.gather(*(one(r) for r in claimed))
    return len(claimed)


async def report_stuck(db: _Rows, *, older_than_s: float) -> int:
    """Log every row that has been `sending` longer than a send may take (a hung worker elsewhere, or a crash)."""
    from models.services import outbox_status

    lines = await db.read(outbox_status.stuck, now=utcnow(), older_than_s=older_than_s)
    for line in lines:
        log.warning("outbox row %s (%s, %s) has been sending for %d s (attempt %d)", line.id, line.dedupe_key,
                    line.platform, line.seconds, line.attempts)
    return len(lines)


def _claim_now(*, session: Session, **kw: Any) -> list[Claimed]:
    """`claim_due` stamped when it runs, not when it was queued for a database thread (a busy
    process's queue would otherwise spend part of the new lease before the claim is made)."""
    return rows.claim_due(session=session, now=utcnow(), **kw)


async def _claim(db: _Rows, adapters: dict[str, Adapter], free: int, lease_s: float,
                 per_org: int | None, shares: KommuneShares | None) -> list[Claimed]:
    if free <= 0:
        return []
    try:
        orgs = await shares.refresh() if shares is not None else None
        return await db.write(_claim_now, platforms=set(adapters), limit=free, lease_s=lease_s, per_org=per_org,
                              orgs=orgs)
    except Exception:  # noqa: BLE001  - keep the worker alive through a database restart
        log.exception("outbox claim failed")
        return []


async def run_worker(engine: Engine, adapters: dict[str, Adapter], stop: asyncio.Event, *,
                     poll_s: float = 1.0, batch: int = IN_FLIGHT, pacer: Pacer | None = None,
                     lease_s: float = DEFAULT_LEASE_S, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                     send_timeout_s: float = DEFAULT_SEND_TIMEOUT_S, share_kommuner: bool = False) -> None:
    """Deliver until `stop` is set, holding up to `batch` rows at once and claiming more as sends finish
    (every `CLAIM_EVERY_S` while busy, every `poll_s` when idle). Once a minute, log stuck rows.
    `share_kommuner` (several delivering processes): claim only this process's share of the kommuner
    (`KommuneShares`), so each workspace's sends leave from one process. On stop, the sends under way
    finish (each within its deadline) before it returns, then the share is given up."""
    pacer = pacer or Pacer()
    db = _Rows(engine)
    pending: set[int] = set()  # the rows the heartbeat renews
    tasks: set[asyncio.Task[None]] = set()
    per_org = pacer.in_flight_per_kommune(set(adapters))
    shares = KommuneShares(db, set(adapters), lease_s=lease_s) if share_kommuner else None
    deadline = _send_deadline(send_timeout_s, lease_s)
    last_report = 0.0

    def start(row: Claimed) -> None:
        pending.add(row.id)
        task = asyncio.create_task(deliver_claimed(db, adapters, row, pacer, pending, deadline=deadline,
                                                   lease_s=lease_s, max_attempts=max_attempts))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if shares is not None:
            shares.track(row.org_id, task)

    async with _heartbeat(db, pending, lease_s):
        try:
            while not stop.is_set():
                claimed = await _claim(db, adapters, batch - len(tasks), lease_s, per_org, shares)
                for row in claimed:
                    start(row)
                if asyncio.get_running_loop().time() - last_report > STUCK_REPORT_EVERY_S:
                    last_report = asyncio.get_running_loop().time()
                    with contextlib.suppress(Exception):
                        await report_stuck(db, older_than_s=2 * deadline)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=CLAIM_EVERY_S if (claimed or tasks) else poll_s)
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            if shares is not None:
                await shares.release()
            await close_adapters(adapters)


async def close_adapters(adapters: dict[str, Adapter]) -> None:
    """Let adapters that hold connections (Slack's shared HTTP session) close them; they reopen on next use."""
    for adapter in adapters.values():
        close = getattr(adapter, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()


@dataclass(frozen=True)
class Delivery:
    """Everything the outbox worker needs, built once by the composition root (`bot.main.build_delivery`)."""

    engine: Engine
    adapters: dict[str, Adapter]
    pacer: Pacer
    poll_s: float = 1.0
    lease_s: float = DEFAULT_LEASE_S
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    send_timeout_s: float = DEFAULT_SEND_TIMEOUT_S
    share_kommuner: bool = False  # several delivering processes (shared pacing): each kommune from one

    async def run(self, stop: asyncio.Event) -> None:
        """Register waiting chat reports and deliver, until `stop` is set (`run_inbox`, `run_worker`)."""
        await asyncio.gather(
            run_inbox(self.engine, stop),
            run_worker(self.engine, self.adapters, stop, poll_s=self.poll_s, pacer=self.pacer,
                       lease_s=self.lease_s, max_attempts=self.max_attempts, send_timeout_s=self.send_timeout_s,
                       share_kommuner=self.share_kommuner))

    async def drain(self, *, batch: int = 50) -> int:
        """Deliver what is due now, batch by batch, until nothing is; returns how many rows were handled."""
        await asyncio.to_thread(register_waiting, self.engine)  # waiting reports first: their notices follow
        total = 0
        try:
            while n := await deliver_due(self.engine, self.adapters, limit=batch, pacer=self.pacer,
                                         lease_s=self.lease_s, max_attempts=self.max_attempts,
                                         send_timeout_s=self.send_timeout_s):
                total += n
        finally:
            await close_adapters(self.adapters)
        return total
