"""Requests first (models/foreground.py): background work in the process waits while a request is answered.

What an operator relies on: a nudge fan-out or a delivery in `trad serve`'s own process does not
take turns from a Slack ack under way; it moves on as soon as the request is answered, and never
stops altogether under a steady stream of requests; and it never waits while it holds the write
lock, so a request's own write is never held up by a paused background.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from models import foreground
from models.db import make_engine, read_scope


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = make_engine(f"sqlite:///{tmp_path / 'fg.db'}")
    with e.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield e
    e.dispose()


def _in_thread(fn, *, background: bool) -> threading.Thread:  # type: ignore[no-untyped-def]
    def run() -> None:
        if background:
            foreground.mark_thread_background()
        fn()
    t = threading.Thread(target=run)
    t.start()
    return t


def test_a_background_read_waits_for_the_request_under_way(engine: Engine,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(foreground, "MAX_PAUSE_S", 30.0)
    order: list[str] = []
    started = threading.Event()

    def background_read() -> None:
        started.set()
        with read_scope(engine) as s:
            s.execute(text("SELECT count(*) FROM t")).one()
        order.append("background read")

    with foreground.request():
        t = _in_thread(background_read, background=True)
        started.wait(5)
        t.join(0.3)  # it is still waiting: the request has not been answered
        order.append("request answered")
    t.join(5)
    assert order == ["request answered", "background read"]


def test_request_threads_and_other_work_do_not_wait(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(foreground, "MAX_PAUSE_S", 30.0)
    done = threading.Event()

    def read() -> None:
        with read_scope(engine) as s:
            s.execute(text("SELECT 1")).one()
        done.set()

    with foreground.request():
        t = _in_thread(read, background=False)
        assert done.wait(5)  # answered while the request is still in flight
    t.join(5)


def test_under_a_steady_stream_of_requests_the_background_still_moves_on(engine: Engine,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(foreground, "MAX_PAUSE_S", 0.01)
    done = threading.Event()

    def background_reads() -> None:
        for _ in range(5):
            with read_scope(engine) as s:
                s.execute(text("SELECT 1")).one()
        done.set()

    with foreground.request():  # never answered while the background works
        t = _in_thread(background_reads, background=True)
        assert done.wait(10)
    t.join(5)


def test_a_background_writer_does_not_pause_while_it_holds_the_write_lock(engine: Engine,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its statements inside the transaction run at once; only its start waits, so a request that then
    writes is never behind a paused lock holder."""
    monkeypatch.setattr(foreground, "MAX_PAUSE_S", 30.0)
    in_tx, request_in, done = threading.Event(), threading.Event(), threading.Event()

    def background_write() -> None:
        with engine.begin() as c:  # begins before the request: no wait
            c.execute(text("INSERT INTO t (who) VALUES ('background 1')"))
            in_tx.set()
            request_in.wait(5)
            c.execute(text("INSERT INTO t (who) VALUES ('background 2')"))  # a request is in flight now
        done.set()

    t = _in_thread(background_write, background=True)
    assert in_tx.wait(5)
    with foreground.request():
        request_in.set()
        assert done.wait(5)  # committed while the request is still in flight
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('request')"))
    t.join(5)
    with engine.connect() as c:
        assert [r[0] for r in c.execute(text("SELECT who FROM t ORDER BY id"))] == ["background 1", "background 2",
                                                                                    "request"]


def test_background_tasks_and_their_threads_carry_the_mark() -> None:
    async def main() -> list[bool]:
        async def work() -> list[bool]:
            return [foreground.in_background(), await asyncio.to_thread(foreground.in_background)]

        with foreground.background():
            task = asyncio.create_task(work())
        return [*(await task), foreground.in_background()]

    assert asyncio.run(main()) == [True, True, False]


def test_deliveries_waiting_on_the_loop_go_on_when_the_request_is_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    """One is woken when the request ends, the others at their next turn: none is lost or left waiting."""
    monkeypatch.setattr(foreground, "MAX_PAUSE_S", 0.2)

    async def main() -> list[str]:
        order: list[str] = []

        async def delivery(i: int) -> None:
            await foreground.give_way_async()
            order.append(f"delivery {i}")

        with foreground.background():
            with foreground.request():
                tasks = [asyncio.create_task(delivery(i)) for i in range(50)]
                await asyncio.sleep(0.1)
                order.append("request answered")
        await asyncio.wait_for(asyncio.gather(*tasks), 5)
        return order

    order = asyncio.run(main())
    assert order[0] == "request answered" and len(order) == 51


def test_while_requests_flow_the_background_begins_one_write_per_gap_between_them(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two background writes back to back would still hold SQLite's write lock when the next request came
    for it (a report kept before its ack); while requests flow, the second waits for the next gap."""
    monkeypatch.setattr(foreground, "MAX_PAUSE_S", 30.0)
    monkeypatch.setattr(foreground, "FLOWING_S", 30.0)
    order: list[str] = []
    first_done = threading.Event()

    def two_writes() -> None:
        for i in (1, 2):
            with engine.begin() as c:
                c.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": f"background {i}"})
            order.append(f"background {i}")
            first_done.set()

    with foreground.request():
        pass  # a request was answered: requests are flowing, and this is a gap
    t = _in_thread(two_writes, background=True)
    assert first_done.wait(5)
    t.join(0.3)  # the second waits: this gap had its write
    order.append("next request answered")
    with foreground.request():
        pass
    t.join(5)
    assert order == ["background 1", "next request answered", "background 2"]


def test_when_requests_stop_the_background_writes_back_to_back(engine: Engine,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(foreground, "MAX_PAUSE_S", 30.0)
    monkeypatch.setattr(foreground, "FLOWING_S", 0.05)
    with foreground.request():
        pass
    done = threading.Event()

    def writes() -> None:
        for i in range(20):
            with engine.begin() as c:
                c.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": f"background {i}"})
        done.set()

    t = _in_thread(writes, background=True)
    assert done.wait(5)  # at most one wait of the flowing window, then no more
    t.join(5)
