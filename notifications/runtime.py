"""Background work started with the server: the outbox worker and the scheduler.

The server calls `start` and `stop` from its lifespan, with the delivery and the jobs the
composition root built (`bot.main`). With several server workers, set
SCHEDULER_ENABLED=false (and usually OUTBOX_WORKER_ENABLED=false) on the server and run
`trad scheduler` once: an APScheduler 3.x scheduler per worker would run every job once per
worker (harmless thanks to the dedupe keys, but wasteful), and one delivering process keeps
the pace under Slack's workspace limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from models.settings import Settings
from notifications.outbox_worker import Delivery

log = logging.getLogger("trad.runtime")


async def start(settings: Settings, app_state: Any, *, delivery: Delivery,
                jobs: Mapping[str, Callable[[], Any]]) -> None:
    """Start what the settings enable: the outbox worker (`delivery`) and the scheduler (`jobs`)."""
    app_state.trad_scheduler = None
    app_state.trad_worker = None
    app_state.trad_worker_stop = None
    if settings.outbox_worker_enabled:
        stop = asyncio.Event()
        app_state.trad_worker_stop = stop
        app_state.trad_worker = asyncio.create_task(delivery.run(stop), name="trad-outbox-worker")
        log.info("outbox worker started (%s)", ", ".join(delivery.adapters))
    if settings.scheduler_enabled:
        from notifications.scheduler import build_scheduler

        scheduler = build_scheduler(settings, jobs=jobs)
        scheduler.start()
        app_state.trad_scheduler = scheduler
        log.info("scheduler started: %s", [(j.id, str(j.trigger)) for j in scheduler.get_jobs()])


async def stop(app_state: Any) -> None:
    scheduler = getattr(app_state, "trad_scheduler", None)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
        app_state.trad_scheduler = None
    stop_event = getattr(app_state, "trad_worker_stop", None)
    task = getattr(app_state, "trad_worker", None)
    if stop_event is not None and task is not None:
        stop_event.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        app_state.trad_worker = None
