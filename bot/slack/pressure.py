"""How far behind this process is: the event loop's lag and the oldest database job still queued.

Why: a request's own age is known only once the event loop reads it. When the work already accepted
(acks' owed answers, database jobs after the ack, the background on the same core) is more than the
core can do, the loop falls behind, and a new request waits unread in the socket, in the ready queue
and for a thread, before the load shedder ever sees it: at 100 `/avvik`/s with a fan-out on a slow core,
971 of 1,500 requests timed out past Slack's 3 s and none was refused (bench/slack.md, «2026-12-05 14:55–16:10»).
The loop's lag and the queue's wait show that at once, so the shedder (`bot.slack.Shedder`) can refuse
new work with a fast 503 while the accepted work drains, and the answers it accepted stay inside 3 s.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Backlog:
    """`behind()`: seconds this process is behind, the larger of the loop's lag and the oldest queued job's wait."""

    def __init__(self, *, period: float = 0.05, clock: Callable[[], float] = time.monotonic) -> None:
        self.period = period
        self.clock = clock
        self._lag = 0.0
        self._due: float | None = None  # when the watcher's current sleep should end
        self._queued: dict[int, float] = {}
        self._ids = itertools.count()

    def behind(self) -> float:
        now = self.clock()
        late = now - self._due if self._due is not None else 0.0  # the watcher is overdue right now
        oldest = now - min(self._queued.values()) if self._queued else 0.0
        return max(self._lag, late, oldest)

    def job(self, fn: Callable[[], T]) -> tuple[Callable[[], T], int]:
        """`fn`, noted as queued from now until a thread starts it, and its ticket for `settled`."""
        ticket = next(self._ids)
        self._queued[ticket] = self.clock()

        def started() -> T:
            self._queued.pop(ticket, None)
            return fn()

        return started, ticket

    def settled(self, ticket: int) -> None:
        """The job's caller is done with it: a job cancelled before any thread started it is no longer queued
        (left noted, it would count as ever later, and the shedder would refuse every request)."""
        self._queued.pop(ticket, None)

    async def watch(self) -> None:
        """Measure the loop's lag: how late a short sleep ends. Runs until cancelled."""
        try:
            while True:
                self._due = self.clock() + self.period
                await asyncio.sleep(self.period)
                self._lag = max(0.0, self.clock() - self._due)
        finally:
            self._due = None
