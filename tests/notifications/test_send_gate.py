"""The send-time gate (issue 13): the sends that really leave for one workspace keep one interval apart,
across every delivering process, whatever the lateness of the process that booked the slot."""

from __future__ import annotations

import time

from models.services import pacing_slots
from models.uow import UnitOfWork
from notifications.pacing import Limit, Pacer, SharedPacer


def test_the_gate_lets_one_send_per_interval_through_per_workspace(engine) -> None:  # type: ignore[no-untyped-def]
    uow = UnitOfWork(engine)

    def gate(key: str, now: float) -> float:
        with uow.write() as tx:
            return pacing_slots.pass_gate(session=tx, key=key, interval=0.5, now=now)

    assert gate("slack:sent:T1", 100.0) == 0.0  # the first send goes
    assert abs(gate("slack:sent:T1", 100.2) - 0.3) < 1e-6  # a late booking's neighbour waits for the rest
    assert gate("slack:sent:T2", 100.2) == 0.0  # another workspace is not held
    assert gate("slack:sent:T1", 100.5) == 0.0  # one interval after the last actual send
    assert gate("slack:sent:T1", 100.6) > 0.0


def test_the_gate_is_looser_than_the_booking_so_a_held_send_catches_up() -> None:
    limits = {"slack": Limit(rate_per_s=2.0), "console": Limit()}
    for pacer in (Pacer(limits), SharedPacer(limits, UnitOfWork(None))):  # type: ignore[arg-type]
        interval = pacer.gate_interval("slack")
        assert interval is not None and 0.5 <= interval < 1.0 / (2.0 * pacer.headroom)
        assert pacer.gate_interval("console") is None  # nothing paced: no gate


def test_a_429_closes_the_gate_for_rows_that_booked_before_it(engine) -> None:  # type: ignore[no-untyped-def]
    """Slack's Retry-After holds the workspace: sends whose slots were booked before the 429 wait too."""
    limits = {"slack": Limit(rate_per_s=2.0)}
    shared = SharedPacer(limits, UnitOfWork(engine))
    shared.hold_channel("slack", "D1", 30.0, "T1")
    assert shared._pass_gate(shared._gate_key("slack", "T1"), 0.5) > 25
    assert shared._pass_gate(shared._gate_key("slack", "T2"), 0.5) == 0.0
    local = Pacer(limits)
    local.hold_channel("slack", "D1", 30.0, "T1")
    assert local._next_send["slack:T1"] - time.monotonic() > 25
    assert "slack:T2" not in local._next_send
