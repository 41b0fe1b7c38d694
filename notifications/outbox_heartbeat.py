"""The outbox worker's heartbeat: renew the claim on rows still being sent.

Why apart from the worker: it is the one piece that keeps a short lease safe (a killed
server's rows come back within seconds, a live worker's never), and it is easier to read alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from models.services import outbox_lease as lease
from models.tables._common import utcnow

log = logging.getLogger("trad.outbox")


@contextlib.asynccontextmanager
async def heartbeat(db: Any, pending: set[int], lease_s: float) -> AsyncIterator[None]:
    """Renew the claim on the rows still in `pending` every quarter lease while the batch runs,
    so a short lease (quick recovery after a crash) never takes rows from a live worker."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(lease_s / 4)
            try:
                await db.write(lease.renew, row_ids=sorted(pending), at=utcnow(), lease_s=lease_s)
            except Exception:  # noqa: BLE001  - a missed beat only risks a reclaim, which find_sent covers
                log.warning("outbox lease renewal failed", exc_info=True)

    task = asyncio.create_task(beat(), name="trad-outbox-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
