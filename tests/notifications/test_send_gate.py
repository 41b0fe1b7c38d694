"""The send-time gate (issue 13): the sends that really leave for one workspace keep one interval apart,
whatever the lateness of the send before. In memory: every send to a workspace leaves from one process
(the only deliverer, or the kommune's owner with shared pacing: tests/notifications/test_kommune_shares.py)."""

from __future__ import annotations

import asyncio
import time

from models.uow import UnitOfWork
from notifications.pacing import Limit, Pacer, SharedPacer


def test_the_gate_is_looser_than_the_booking_so_a_held_send_catches_up() -> None:
    limits = {"slack": Limit(rate_per_s=2.0), "console": Limit()}
    for pacer in (Pacer(limits), SharedPacer(limits, UnitOfWork(None))):  # type: ignore[arg-type]
        interval = pacer.gate_interval("slack")
        assert interval is not None and 0.5 <= interval < 1.0 / (2.0 * pacer.headroom)
        assert pacer.gate_interval("console") is None  # nothing paced: no gate


def test_sends_through_the_gate_leave_one_interval_apart_per_workspace() -> None:
    pacer = Pacer({"slack": Limit(rate_per_s=20.0)})
    interval = pacer.gate_interval("slack")
    assert interval is not None

    async def three_and_another_workspace() -> tuple[list[float], float]:
        left = []
        for _ in range(3):
            await pacer.gate("slack", "T1")
            left.append(time.monotonic())
        started = time.monotonic()
        await pacer.gate("slack", "T2")  # another workspace is not held by T1's sends
        return left, time.monotonic() - started

    left, other = asyncio.run(three_and_another_workspace())
    assert all(b - a >= interval * 0.99 for a, b in zip(left, left[1:], strict=False))
    assert other < interval


def test_a_429_closes_the_gate_for_rows_that_booked_before_it() -> None:
    """Slack's Retry-After holds the workspace: sends whose slots were booked before the 429 wait too."""
    limits = {"slack": Limit(rate_per_s=2.0)}
    local = Pacer(limits)
    local.hold_channel("slack", "D1", 30.0, "T1")
    assert local._next_send["slack:T1"] - time.monotonic() > 25
    assert "slack:T2" not in local._next_send
