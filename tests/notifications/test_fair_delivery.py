"""Many kommuner in one outbox (issue 13): a busy kommune never holds the others' messages.

The monthly job enqueues kommune by kommune. Before, a claim took rows in that order, so a batch
was one workspace, paced at a few posts a second, and every other workspace waited for it.
These tests count who got what; none of them times anything.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlmodel import Session, select

from models.messages import Reply
from models.services import outbox
from models.services import outbox_delivery as rows
from models.tables import OutboxMessage
from models.tables._common import utcnow
from models.uow import UnitOfWork
from notifications.outbox_worker import Limit, Pacer, deliver_due, run_worker
from notifications.pacing import SharedPacer
from tests.notifications.helpers import FakeAdapter, make_kommuner


def _kommuner(session: Session, n: int) -> list[int]:
    return make_kommuner(session, n, "fair")


def _enqueue(session: Session, orgs: list[int], per_kommune: int) -> None:
    """One kommune after the other, as the monthly job does (due since an hour); the channel tells the kommune."""
    for k, org_id in enumerate(orgs):
        for i in range(per_kommune):
            outbox.enqueue(session, dedupe_key=f"fair:{k}:{i}", kind="nudge", payload=Reply(text=f"Påminnelse {i}"),
                           org_id=org_id, target=f"C{k}-{i}", platform="slack",
                           not_before=utcnow() - timedelta(hours=1))
    session.commit()


def _claim(engine, limit: int, per_org: int | None = None) -> Counter:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine).write() as tx:
        got = rows.claim_due(session=tx, platforms={"slack"}, limit=limit, now=utcnow(), lease_s=300,
                             per_org=per_org)
    return Counter(r.org_id for r in got)


def test_one_claim_takes_every_kommune_in_turn(engine, session) -> None:  # type: ignore[no-untyped-def]
    orgs = _kommuner(session, 3)
    _enqueue(session, orgs, 10)
    assert _claim(engine, limit=6) == {orgs[0]: 2, orgs[1]: 2, orgs[2]: 2}
    # and the worker sends what it claimed: each kommune's share, not the first kommune's ten
    slack = FakeAdapter()
    assert asyncio.run(deliver_due(engine, {"slack": slack}, limit=9, pacer=Pacer({}), lease_s=300)) == 9
    assert Counter(k.split(":")[1] for k in slack.keys()) == {"0": 3, "1": 3, "2": 3}


def test_a_busy_kommune_holds_at_most_its_share_in_flight(engine, session) -> None:  # type: ignore[no-untyped-def]
    orgs = _kommuner(session, 2)
    _enqueue(session, orgs[:1], 20)
    outbox.enqueue(session, dedupe_key="fair:late", kind="nudge", payload=Reply(text="Sein"), org_id=orgs[1],
                   target="C-late", platform="slack")
    session.commit()
    assert _claim(engine, limit=10, per_org=3) == {orgs[0]: 3, orgs[1]: 1}
    # three of the busy kommune's rows are in flight (by any worker): no more of them until one is done
    assert _claim(engine, limit=10, per_org=3) == Counter()
    first = session.exec(select(OutboxMessage).where(OutboxMessage.status == "sending",
                                                     OutboxMessage.org_id == orgs[0])).first()
    assert first is not None and first.id is not None
    with UnitOfWork(engine).write() as tx:
        rows.mark_delivered(session=tx, row_id=first.id, at=utcnow(), platform="slack", external_ref={})
    assert _claim(engine, limit=10, per_org=3) == {orgs[0]: 1}


def test_rows_of_a_crashed_worker_do_not_count_as_in_flight(engine, session) -> None:  # type: ignore[no-untyped-def]
    orgs = _kommuner(session, 1)
    _enqueue(session, orgs, 4)
    with UnitOfWork(engine).write() as tx:
        assert len(rows.claim_due(session=tx, platforms={"slack"}, limit=2, now=utcnow() - timedelta(seconds=600),
                                  lease_s=300)) == 2
    # the two claimed ten minutes ago are past their lease: due again, and they do not block the kommune
    with UnitOfWork(engine).write() as tx:
        got = rows.claim_due(session=tx, platforms={"slack"}, limit=10, now=utcnow(), lease_s=300, per_org=3)
    assert len(got) == 3 and sum(r.reclaimed for r in got) == 2


class _Share(Pacer):
    """No waiting, but each kommune may have two rows in flight (as a slow workspace's pace would allow)."""

    def in_flight_per_kommune(self, platforms: set[str], horizon_s: float = 10.0) -> int | None:
        return 2


class _StuckFirstKommune(FakeAdapter):
    """Sends to the first kommune's channels hang until `release` is set (a workspace that answers slowly)."""

    release: asyncio.Event | None = None

    async def deliver(self, *, recipient, reply, previous_ref, dedupe_key):  # type: ignore[no-untyped-def]
        if recipient.target.startswith("C0-"):
            assert self.release is not None
            await self.release.wait()
        return await super().deliver(recipient=recipient, reply=reply, previous_ref=previous_ref,
                                     dedupe_key=dedupe_key)


def test_a_slow_workspace_does_not_hold_the_other_kommuner(engine, session) -> None:  # type: ignore[no-untyped-def]
    orgs = _kommuner(session, 3)
    _enqueue(session, orgs, 8)
    slack = _StuckFirstKommune()

    async def scenario() -> tuple[Counter, Counter]:
        slack.release = asyncio.Event()
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(engine, {"slack": slack}, stop, poll_s=0.05, batch=6,
                                                pacer=_Share(), lease_s=300))
        for _ in range(2000):  # the other two kommuner's 16 rows go out while the first one's hang
            if len(slack.keys()) >= 16 or worker.done():
                break
            await asyncio.sleep(0.01)
        while_stuck = Counter(k.split(":")[1] for k in slack.keys())
        slack.release.set()
        for _ in range(2000):
            if len(slack.keys()) >= 24 or worker.done():
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(worker, 60)
        return while_stuck, Counter(slack.keys())

    while_stuck, sent = asyncio.run(scenario())
    assert while_stuck == {"1": 8, "2": 8}
    assert len(sent) == 24 and max(sent.values()) == 1  # then every row, once
    session.expire_all()
    assert {r.status for r in session.exec(select(OutboxMessage)).all()} == {"delivered"}


def test_a_429_holds_the_whole_workspace_not_only_the_channel(engine) -> None:  # type: ignore[no-untyped-def]
    """Slack's Retry-After holds chat.postMessage for the workspace: the next post to another DM waits too."""
    limits = {"slack": Limit(rate_per_s=5, channel_interval_s=1.0)}
    local = Pacer(limits)
    local.hold_channel("slack", "D1", 30.0, "T1")
    assert local.reserve("slack", "D2", workspace="T1") > 25
    assert local.reserve("slack", "D3", workspace="T2") == 0.0
    shared = SharedPacer(limits, UnitOfWork(engine))
    shared.hold_channel("slack", "D1", 30.0, "T1")
    assert shared._book(shared.keys("slack", "D2", "T1")) > 25
    assert shared._book(shared.keys("slack", "D3", "T2")) <= 0.0


def test_the_share_in_flight_follows_the_pace() -> None:
    pacer = Pacer({"slack": Limit(rate_per_s=2.0), "console": Limit()}, headroom=1.0)
    assert pacer.in_flight_per_kommune({"slack"}) == 20  # ten seconds of a 2/s workspace
    assert pacer.in_flight_per_kommune({"console"}) is None  # nothing paced: no cap


def test_a_late_success_is_kept_when_another_worker_put_the_row_back(engine, session) -> None:  # type: ignore[no-untyped-def]
    """Worker A's lease ran out mid-send; B reclaimed the row, got a 429 and put it back to pending;
    then A's post went through. The row is delivered, and nobody sends it again."""
    orgs = _kommuner(session, 1)
    _enqueue(session, orgs, 1)
    uow = UnitOfWork(engine)
    with uow.write() as tx:
        (a,) = rows.claim_due(session=tx, platforms={"slack"}, limit=1, now=utcnow() - timedelta(seconds=600),
                              lease_s=300)
    with uow.write() as tx:
        (b,) = rows.claim_due(session=tx, platforms={"slack"}, limit=1, now=utcnow(), lease_s=300)
    assert b.id == a.id and b.reclaimed
    with uow.write() as tx:
        rows.reschedule(session=tx, row_id=b.id, at=utcnow() - timedelta(seconds=1), error="retry: slack 429")
    with uow.write() as tx:
        rows.mark_delivered(session=tx, row_id=a.id, at=utcnow(), platform="slack", external_ref={"ts": "1.0"})
    slack = FakeAdapter()
    assert asyncio.run(deliver_due(engine, {"slack": slack}, pacer=Pacer({}), lease_s=300)) == 0
    assert slack.keys() == []
    session.expire_all()
    assert session.exec(select(OutboxMessage)).one().status == "delivered"
