"""The threads of a background process: scheduled jobs on their own thread, quick GIL turns on SQLite.

What an operator relies on (notifications/scheduler.py, notifications/threads.py): a nudge fan-out
of thousands of leaders never takes the threads that register reports and deliver the outbox, and
on SQLite the background writer that a Slack ack waits for gets back to its transaction quickly.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator

import pytest

from models.settings import Settings
from notifications.scheduler import build_scheduler
from notifications.threads import GIL_SWITCH_S, quicken_gil_turns


@pytest.fixture
def switch_interval() -> Iterator[float]:
    before = sys.getswitchinterval()
    yield before
    sys.setswitchinterval(before)


def test_on_sqlite_the_gil_changes_hands_every_half_millisecond(switch_interval: float) -> None:
    quicken_gil_turns(Settings(DATABASE_URL="sqlite:///x.db"))
    assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_S)


def test_on_postgresql_nothing_changes(switch_interval: float) -> None:
    quicken_gil_turns(Settings(DATABASE_URL="postgresql+psycopg://x@127.0.0.1/x"))
    assert sys.getswitchinterval() == switch_interval


def test_a_running_job_leaves_the_database_threads_free() -> None:
    """While a job runs (it waits here until released), database work on the loop's threads goes on."""
    job_started, release = threading.Event(), threading.Event()
    job_threads: list[str] = []

    def long_job() -> None:
        job_threads.append(threading.current_thread().name)
        job_started.set()
        release.wait(10)

    async def main() -> list[str]:
        scheduler = build_scheduler(Settings(DATABASE_URL="sqlite:///x.db"), jobs={})
        scheduler.add_job(long_job)
        scheduler.start()
        try:
            assert await asyncio.to_thread(job_started.wait, 10)
            # Database work while the job runs: as many calls as the loop's pool has threads, all done.
            return list(await asyncio.wait_for(asyncio.gather(
                *(asyncio.to_thread(lambda: threading.current_thread().name) for _ in range(8))), timeout=5))
        finally:
            release.set()
            scheduler.shutdown(wait=False)

    database_threads = asyncio.run(main())
    assert len(database_threads) == 8
    assert job_threads and job_threads[0] not in database_threads
    assert not job_threads[0].startswith("asyncio")  # not one of the loop's own pool (asyncio's thread names)
