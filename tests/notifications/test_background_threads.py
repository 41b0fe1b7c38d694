"""The threads of a background process: scheduled jobs on their own thread (GIL turns: test_gil_turns.py).

What an operator relies on (notifications/scheduler.py): a nudge fan-out of thousands of leaders
never takes the threads that register reports and deliver the outbox.
"""

from __future__ import annotations

import asyncio
import threading

from models.settings import Settings
from notifications.scheduler import build_scheduler


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
