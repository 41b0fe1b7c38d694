"""A background process on SQLite does its database work on one thread, and its jobs on another.

What an operator relies on (notifications/threads.py): a nudge fan-out or a delivery burst in
`trad serve`'s background never keeps the lock that a Slack ack waits for for long, because the
thread that holds it does not queue for the GIL behind five other database threads.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator

import pytest

from models.settings import Settings
from notifications.scheduler import build_scheduler
from notifications.threads import GIL_SWITCH_S, confine_database_threads


@pytest.fixture
def switch_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


async def _threads_of_database_work(settings: Settings) -> set[str]:
    confine_database_threads(settings)
    names = await asyncio.gather(*(asyncio.to_thread(lambda: threading.current_thread().name) for _ in range(8)))
    return set(names)


@pytest.mark.usefixtures("switch_interval")
def test_on_sqlite_the_database_work_keeps_to_one_thread_and_the_gil_changes_hands_often() -> None:
    names = asyncio.run(_threads_of_database_work(Settings(DATABASE_URL="sqlite:///x.db")))
    assert len(names) == 1 and next(iter(names)).startswith("trad-db")
    assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_S)


@pytest.mark.usefixtures("switch_interval")
def test_on_postgresql_nothing_changes() -> None:
    before = sys.getswitchinterval()
    names = asyncio.run(_threads_of_database_work(Settings(DATABASE_URL="postgresql+psycopg://x@127.0.0.1/x")))
    assert not any(n.startswith("trad-db") for n in names)
    assert sys.getswitchinterval() == before


def test_scheduled_jobs_run_on_a_thread_of_their_own() -> None:
    """A long job (a fan-out of thousands of nudges) never holds up the outbox's database work."""
    ran_on: list[str] = []
    done = threading.Event()

    def job() -> None:
        ran_on.append(threading.current_thread().name)
        done.set()

    async def main() -> str:
        confine_database_threads(Settings(DATABASE_URL="sqlite:///x.db"))
        scheduler = build_scheduler(Settings(DATABASE_URL="sqlite:///x.db"), jobs={})
        scheduler.add_job(job)
        scheduler.start()
        try:
            assert await asyncio.to_thread(done.wait, 10)
            return await asyncio.to_thread(lambda: threading.current_thread().name)
        finally:
            scheduler.shutdown(wait=False)

    before = sys.getswitchinterval()
    try:
        database_thread = asyncio.run(main())
    finally:
        sys.setswitchinterval(before)
    assert ran_on and ran_on[0] != database_thread and not ran_on[0].startswith("trad-db")
