"""The outbox worker's heartbeat: renew the claim on rows still being sent.

Why apart from the worker: it is the one piece that keeps a short lease safe (a killed
server's rows come back within seconds, a live worker's never), and it is easier to read alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from models.services import outbox_lease as lease
from models.tables._common import utcnow

log = logging.getLogger("trad.outbox")


@contextlib.asynccontextmanager
async def heartbeat(db: Any, pending: set[int], lease_s: float) -> AsyncIterator[None]:
    """Renew the claim on the rows still in `pending` every quarter lease while the batch runs,
    so a short lease (quick recovery after a crash) never takes rows from a live worker."""

    # Its own thread: in a busy fan-out the default pool queues dozens of sends' database work (pacing
    # bookings, App Home builds), and a renewal queued behind them let live rows' leases run out, so
    # other processes reclaimed them and asked Slack (`find_sent`) for each (issue 13, 50 kommuner).
    own = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trad-outbox-heartbeat")

    def renew(ids: list[int]) -> int:
        with db.uow.write() as tx:
            return int(lease.renew(session=tx, row_ids=ids, at=utcnow(), lease_s=lease_s))

    async def beat() -> None:
        while True:
            await asyncio.sleep(lease_s / 4)
            try:
                await asyncio.get_running_loop().run_in_executor(own, renew, sorted(pending))
            except Exception:  # noqa: BLE001  - a missed beat only risks a reclaim, which find_sent covers
                log.warning("outbox lease renewal failed", exc_info=True)

    task = asyncio.create_task(beat(), name="trad-outbox-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        own.shutdown(wait=False)
