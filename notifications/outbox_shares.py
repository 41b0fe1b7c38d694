"""This delivering process's share of the kommuner, when several processes deliver (shared pacing).

Why: every send to one workspace must leave from one process, so the spacing of the sends that
really leave can be kept in memory (`Pacer.gate`); the rule of who owns which kommune lives in
`models.services.outbox_owners`, and this only asks it once a second and remembers the answer
between claims (a claim runs four times a second while busy).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from typing import Any

from models.services import outbox_owners as owners
from models.tables._common import utcnow

log = logging.getLogger("trad.outbox")

OWNER_TTL_S = 15.0  # a dead owner's kommuner go to the others after this (its rows' own lease is 20 s)
BALANCE_EVERY_S = 1.0


class KommuneShares:
    """Which kommuner this process may claim now, and the sends it has under way per kommune."""

    def __init__(self, db: Any, platforms: set[str], *, lease_s: float, ttl_s: float = OWNER_TTL_S,
                 every_s: float = BALANCE_EVERY_S) -> None:
        self.db = db  # notifications.outbox_send._Rows
        self.platforms = set(platforms)
        self.lease_s = lease_s
        self.ttl_s = ttl_s
        self.every_s = every_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.claim: frozenset[int] = frozenset()
        self.busy: Counter[int] = Counter()
        self._last = -1e9
        self._first = True

    def _balance(self) -> owners.Shares:
        with self.db.uow.write() as tx:  # stamped when it runs, not when it was queued for a thread
            return owners.balance(session=tx, holder=self.holder, platforms=self.platforms, now=utcnow(),
                                  ttl_s=self.ttl_s, lease_s=self.lease_s, busy={o for o, n in self.busy.items() if n},
                                  first=self._first)

    async def refresh(self) -> frozenset[int]:
        """The kommuner to claim for now: asks the database at most every `every_s`; on a failure the
        last answer stands (the leases outlive a database hiccup of a few seconds)."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._last < self.every_s:
            return self.claim
        self._last = loop.time()
        try:
            shares = await asyncio.to_thread(self._balance)
        except Exception:  # noqa: BLE001  - keep delivering what we hold; the next round retries
            log.warning("outbox: sharing the kommuner failed", exc_info=True)
            return self.claim
        if shares.claim != self.claim:
            log.info("outbox: delivering for %d kommuner (%d held, %d deliverers alive)", len(shares.claim),
                     len(shares.owned), shares.live)
        self.claim, self._first = shares.claim, False
        return self.claim

    def track(self, org_id: int | None, task: asyncio.Task[None]) -> None:
        """Count a send under way for the kommune until its task ends (a kommune handed over must be idle)."""
        org = org_id or 0
        self.busy[org] += 1

        def done(_task: asyncio.Task[None]) -> None:
            self.busy[org] -= 1
            if self.busy[org] <= 0:
                del self.busy[org]

        task.add_done_callback(done)

    def _release(self) -> None:
        with self.db.uow.write() as tx:
            owners.release_all(session=tx, holder=self.holder)

    async def release(self) -> None:
        """At a clean stop: the others take this process's kommuner at their next round."""
        try:
            await asyncio.to_thread(self._release)
        except Exception:  # noqa: BLE001  - the leases lapse on their own
            log.warning("outbox: could not release the kommuner", exc_info=True)
