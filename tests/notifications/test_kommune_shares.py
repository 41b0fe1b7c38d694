"""Each kommune's messages leave from one delivering process at a time (issue 13: ≤ 1 % 429s at 50 kommuner).

With several `trad deliver` processes, a send that one process made late and another's on-time send
shared one of Slack's 1-second windows: a 429. Now the kommuner are shared out among the live
deliverers, so one process sees every send to a workspace and keeps their real spacing in memory.
These tests check who sent what and when relative to each other; none asserts a duration.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, select

from models.messages import Reply
from models.services import outbox
from models.services import outbox_owners as owners
from models.tables import OutboxMessage
from models.tables._common import utcnow
from models.uow import UnitOfWork
from notifications.outbox_worker import Limit, Pacer, run_worker
from tests.notifications.helpers import FakeAdapter, make_kommuner


def _kommuner(session: Session, n: int, per_kommune: int) -> list[int]:
    """`n` kommuner with `per_kommune` due nudges each, all to the kommune's one channel `C<k>`."""
    orgs = make_kommuner(session, n, "share")
    for k, org_id in enumerate(orgs):
        for i in range(per_kommune):
            outbox.enqueue(session, dedupe_key=f"share:{k}:{i}", kind="nudge", payload=Reply(text=f"Påminnelse {i}"),
                           org_id=org_id, target=f"C{k}", platform="slack", not_before=utcnow() - timedelta(hours=1))
    session.commit()
    return orgs


def _balance(engine, holder: str, *, busy: set[int] | None = None, first: bool = False,  # type: ignore[no-untyped-def]
             later_s: float = 0.0) -> owners.Shares:
    with UnitOfWork(engine).write() as tx:
        return owners.balance(session=tx, holder=holder, platforms={"slack"}, now=utcnow() + timedelta(seconds=later_s),
                              ttl_s=15, lease_s=20, busy=busy or set(), first=first)


def test_the_kommuner_are_shared_out_and_a_dead_owners_are_taken_over(engine, session) -> None:  # type: ignore[no-untyped-def]
    orgs = set(_kommuner(session, 6, 1))
    assert _balance(engine, "A", first=True).claim == frozenset()  # first round: only «alive»
    assert _balance(engine, "B", first=True).claim == frozenset()
    a, b = _balance(engine, "A"), _balance(engine, "B")
    assert len(a.claim) == 3 and len(b.claim) == 3 and a.claim | b.claim == orgs  # half each, none twice
    # a third deliverer: A and B each give one up, but only once they have no send under way there
    assert _balance(engine, "C", first=True).live == 3
    a_busy = _balance(engine, "A", busy=set(a.claim))
    assert len(a_busy.claim) == 2 and a_busy.owned == a.claim  # still held: not claimed, not yet free
    assert _balance(engine, "C").claim == frozenset()
    _balance(engine, "A", busy=set())
    _balance(engine, "B", busy=set())
    c = _balance(engine, "C")
    assert len(c.claim) == 2 and not c.claim & (_balance(engine, "A").claim | _balance(engine, "B").claim)
    # B dies without a word (A and C go on renewing): after B's leases lapse, A and C take its kommuner
    assert _balance(engine, "A", later_s=10).live == 3 and _balance(engine, "C", later_s=10).live == 3
    later_a = _balance(engine, "A", later_s=20)
    later_c = _balance(engine, "C", later_s=20)
    assert later_a.live == 2 and later_a.claim | later_c.claim == orgs


def test_a_clean_stop_hands_the_kommuner_over_at_once(engine, session) -> None:  # type: ignore[no-untyped-def]
    orgs = set(_kommuner(session, 2, 1))
    _balance(engine, "A", first=True)
    assert _balance(engine, "A").claim == orgs
    _balance(engine, "B", first=True)
    with UnitOfWork(engine).write() as tx:
        owners.release_all(session=tx, holder="A")
    assert _balance(engine, "B").claim == orgs


@dataclass
class _Timed(FakeAdapter):
    """Records when each send went (the fake's receive time, as the pacing tests use)."""

    at: dict[str, float] = field(default_factory=dict)

    async def deliver(self, *, recipient, reply, previous_ref, dedupe_key):  # type: ignore[no-untyped-def]
        self.at[dedupe_key] = time.monotonic()
        return await super().deliver(recipient=recipient, reply=reply, previous_ref=previous_ref,
                                     dedupe_key=dedupe_key)


async def _until_sent(adapters: list[_Timed], n: int, workers: list[asyncio.Task]) -> None:
    for _ in range(3000):
        if sum(len(a.keys()) for a in adapters) >= n or any(w.done() for w in workers):
            return
        await asyncio.sleep(0.01)


def test_two_deliverers_never_send_to_one_kommune_at_once(engine, session) -> None:  # type: ignore[no-untyped-def]
    """Four kommuner, ten nudges each to one channel paced at 5/s: each kommune's sends come from one
    process, or from one and then the other (a hand-over), never interleaved; 0 lost, 0 doubled."""
    _kommuner(session, 4, 10)
    a, b = _Timed(), _Timed()

    async def scenario() -> None:
        stop = asyncio.Event()
        limits = {"slack": Limit(rate_per_s=100.0, channel_interval_s=0.2)}
        workers = [asyncio.create_task(run_worker(engine, {"slack": x}, stop, poll_s=0.05, pacer=Pacer(limits),
                                                  lease_s=20, share_kommuner=True)) for x in (a, b)]
        await _until_sent([a, b], 40, workers)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*workers), 60)

    asyncio.run(scenario())
    sent = Counter(a.keys() + b.keys())
    assert len(sent) == 40 and max(sent.values()) == 1
    assert a.keys() and b.keys()  # both took part
    for k in range(4):
        mine = [(t, "a") for key, t in a.at.items() if key.startswith(f"share:{k}:")] + \
               [(t, "b") for key, t in b.at.items() if key.startswith(f"share:{k}:")]
        order = [who for _t, who in sorted(mine)]
        assert sum(1 for x, y in zip(order, order[1:], strict=False) if x != y) <= 1, order  # no interleaving
    session.expire_all()
    assert {r.status for r in session.exec(select(OutboxMessage)).all()} == {"delivered"}


def test_when_one_deliverer_stops_the_other_delivers_the_rest(engine, session) -> None:  # type: ignore[no-untyped-def]
    _kommuner(session, 2, 15)
    a, b = _Timed(), _Timed()

    async def scenario() -> None:
        stop_a, stop_b = asyncio.Event(), asyncio.Event()
        limits = {"slack": Limit(rate_per_s=100.0, channel_interval_s=0.2)}
        wa = asyncio.create_task(run_worker(engine, {"slack": a}, stop_a, poll_s=0.05, pacer=Pacer(limits),
                                            lease_s=20, share_kommuner=True))
        wb = asyncio.create_task(run_worker(engine, {"slack": b}, stop_b, poll_s=0.05, pacer=Pacer(limits),
                                            lease_s=20, share_kommuner=True))
        await _until_sent([a, b], 6, [wa, wb])
        stop_a.set()  # a clean stop: its sends under way finish, then its kommuner are released
        await asyncio.wait_for(wa, 60)
        await _until_sent([a, b], 30, [wb])
        stop_b.set()
        await asyncio.wait_for(wb, 60)

    asyncio.run(scenario())
    sent = Counter(a.keys() + b.keys())
    assert len(sent) == 30 and max(sent.values()) == 1
    session.expire_all()
    assert {r.status for r in session.exec(select(OutboxMessage)).all()} == {"delivered"}
