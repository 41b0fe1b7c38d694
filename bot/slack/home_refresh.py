"""The App Home refresh after a delivered DM: coalesced, and only when the outbox has nothing to send.

Why: building a Home costs ~13 queries and ~18 ms of CPU. Done inline after every DM, a monthly
fan-out to thousands of leaders became CPU-bound (2.37× the rate-limit floor, issue 13). The Home is
rebuilt anyway when the person opens it (`app_home_opened`), so this refresh only matters for a Home
tab that is already open: it may wait, but it must never slow a DM down. So a recipient is queued
(once per workspace token and user, however many DMs they got), and the queue is worked off one Home
at a time while the adapter is quiet; a refresh that waited `max_wait_s` is built even on a busy
server, at most one per `quiet_s`, so no Home stays stale forever and DMs still get nearly all the CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("trad.slack.home_refresh")

Publish = Callable[[Any, str, int], Awaitable[None]]  # (client, Slack user id, person id)


@dataclass
class _Pending:
    client: Any
    user_id: str
    person_id: int
    since: float  # when the oldest of the coalesced refreshes was queued (for `max_wait_s`)


class HomeRefresher:
    """Queues App Home refreshes and publishes them in the background when the sends leave room."""

    def __init__(self, publish: Publish, *, quiet_s: float = 1.0, max_wait_s: float = 120.0,
                 flush_timeout_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.publish = publish
        self.quiet_s = quiet_s
        self.max_wait_s = max_wait_s
        self.flush_timeout_s = flush_timeout_s
        self.clock = clock
        self._pending: dict[tuple[str | None, str], _Pending] = {}  # insertion order: oldest first
        self._sending = 0
        self._last_sent = float("-inf")
        self._last_busy_build = float("-inf")
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Mark a send in progress; the quiet period starts when the last one ends."""
        self._sending += 1
        try:
            yield
        finally:
            self._sending -= 1
            self._last_sent = self.clock()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def queue(self, client: Any, user_id: str, person_id: int | None) -> None:
        """Refresh this user's Home later; a refresh already waiting for them covers this one too."""
        if person_id is None:
            return
        key = (getattr(client, "token", None), user_id)
        found = self._pending.get(key)
        since = found.since if found is not None else self.clock()
        self._pending[key] = _Pending(client, user_id, person_id, since)  # the newest client and person
        self._ensure_task()

    def _ensure_task(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._task
        if task is not None and not task.done() and task.get_loop() is loop:
            return
        self._task = loop.create_task(self._run(), name="trad-home-refresh")

    def _next(self) -> tuple[_Pending | None, float]:
        """The refresh whose turn it is now, else (None, seconds until one may be due)."""
        if not self._pending:
            return None, 0.0
        now = self.clock()
        oldest = next(iter(self._pending.values()))
        if self._sending == 0 and now - self._last_sent >= self.quiet_s:
            return oldest, 0.0
        overdue_in = oldest.since + self.max_wait_s - now
        gap_in = self._last_busy_build + self.quiet_s - now
        if overdue_in <= 0 and gap_in <= 0:
            self._last_busy_build = now
            return oldest, 0.0
        quiet_in = self._last_sent + self.quiet_s - now if self._sending == 0 else self.quiet_s
        return None, max(0.01, min(quiet_in, max(overdue_in, gap_in)))

    async def _run(self) -> None:
        """Publish one Home at a time, asking before each whether it may."""
        while self._pending:
            item, wait = self._next()
            if item is None:
                await asyncio.sleep(wait)
                continue
            await self._publish_one(item)

    async def _publish_one(self, item: _Pending) -> None:
        key = (getattr(item.client, "token", None), item.user_id)
        if self._pending.get(key) is item:
            del self._pending[key]
        try:
            await self.publish(item.client, item.user_id, item.person_id)
        except asyncio.CancelledError:
            self._pending.setdefault(key, item)  # interrupted (a flush, a closing loop): not lost
            raise
        except Exception:  # noqa: BLE001 - the DM went out; a dashboard refresh must not matter to it
            log.exception("App Home refresh after delivery failed")

    async def _stop_task(self) -> None:
        task, self._task = self._task, None
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def flush(self) -> None:
        """Publish every waiting refresh now (at shutdown and after `drain`), within `flush_timeout_s`.

        Why: the shared HTTP session closes right after, and a one-off `trad deliver --once` has no
        quiet period left to wait for; what does not fit in the time is rebuilt when the Home is opened."""
        await self._stop_task()
        try:
            async with asyncio.timeout(self.flush_timeout_s):
                while self._pending:
                    await self._publish_one(next(iter(self._pending.values())))
        except TimeoutError:
            log.warning("App Home refreshes left unpublished at shutdown: %d", len(self._pending))
            self._pending.clear()
