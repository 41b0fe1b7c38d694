"""Background work started with the server: the outbox worker and the scheduler, in one process only.

The server calls `start` and `stop` from its lifespan, with the delivery and the jobs the
composition root built (`bot.main`). `trad serve --workers N` starts N processes with the
same settings; an APScheduler 3.x scheduler per process would run every job N times
(harmless thanks to the dedupe keys, but wasteful) and N outbox workers would each pace
alone, N times over Slack's workspace limit. So the processes compete for one lease row
(`models.services.runtime_lease`): the holder runs the scheduler and the outbox worker and
renews the lease every third of its length; the others serve requests and try again at the
same rhythm, so one of them takes over within a lease after the holder dies. Each process
logs its role at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from models import foreground
from models.services import runtime_lease
from models.settings import Settings
from models.tables._common import utcnow
from models.uow import UnitOfWork
from notifications.outbox_worker import Delivery

log = logging.getLogger("trad.runtime")

LEASE_S = 20.0  # a dead holder's work moves to another process within this (plus a renewal interval)


class Background:
    """This process's share of the background work: everything while it holds the lease, nothing otherwise."""

    def __init__(self, settings: Settings, delivery: Delivery, jobs: Mapping[str, Callable[[], Any]],
                 lease_s: float, lease_name: str = runtime_lease.BACKGROUND) -> None:
        self.settings, self.delivery, self.jobs, self.lease_s = settings, delivery, jobs, lease_s
        self.lease_name = lease_name
        self.uow = UnitOfWork(delivery.engine)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.scheduler: Any = None
        self.worker: asyncio.Task[None] | None = None
        self.worker_stop: asyncio.Event | None = None
        self.role: str | None = None

    def _try(self) -> tuple[bool, str | None]:
        with self.uow.write() as tx:
            held = runtime_lease.take_or_renew(session=tx, name=self.lease_name, holder=self.holder,
                                               now=utcnow(), ttl_s=self.lease_s)
        if held:
            return True, self.holder
        with self.uow.read() as tx:
            return False, runtime_lease.holder_of(session=tx, name=self.lease_name, now=utcnow())

    async def step(self) -> None:
        """Take or renew the lease, and start or stop the background work to match."""
        try:
            held, holder = await asyncio.to_thread(self._try)
        except Exception:  # noqa: BLE001  - a database hiccup: keep the current role until the next try
            log.warning("runtime lease check failed", exc_info=True)
            return
        if held and self.role != "leader":
            self._start_work()
            self.role = "leader"
            log.info("runtime role: scheduler and outbox worker in this process (%s holds the lease)", self.holder)
        elif not held and self.role != "follower":
            if self.role == "leader":
                log.warning("runtime lease lost to %s: stopping the scheduler and the outbox worker here", holder)
                await self._stop_work()
            self.role = "follower"
            log.info("runtime role: requests only; %s runs the scheduler and outbox worker "
                     "(this process takes over if its lease lapses)", holder)

    def _start_work(self) -> None:
        if self.settings.outbox_worker_enabled:
            self.worker_stop = asyncio.Event()
            with foreground.background():  # the task and its threads give way to requests (models.foreground)
                self.worker = asyncio.create_task(self.delivery.run(self.worker_stop), name="trad-outbox-worker")
            log.info("outbox worker started (%s)", ", ".join(self.delivery.adapters))
        if self.settings.scheduler_enabled:
            from notifications.scheduler import build_scheduler

            self.scheduler = build_scheduler(self.settings, jobs=self.jobs)
            self.scheduler.start()
            log.info("scheduler started: %s", [(j.id, str(j.trigger)) for j in self.scheduler.get_jobs()])

    async def _stop_work(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self.worker_stop is not None and self.worker is not None:
            self.worker_stop.set()
            try:
                await asyncio.wait_for(self.worker, timeout=10)
            except TimeoutError:
                self.worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.worker
        self.worker = self.worker_stop = None

    async def keep(self) -> None:
        """Renew (or try to take) the lease every third of its length until cancelled."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            await self.step()

    async def close(self) -> None:
        was_leader = self.role == "leader"
        await self._stop_work()
        if was_leader:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._release)

    def _release(self) -> None:
        with self.uow.write() as tx:
            runtime_lease.release(session=tx, name=self.lease_name, holder=self.holder)


async def start(settings: Settings, app_state: Any, *, delivery: Delivery,
                jobs: Mapping[str, Callable[[], Any]], lease_s: float = LEASE_S,
                lease_name: str = runtime_lease.BACKGROUND) -> None:
    """Start what the settings enable (outbox worker, scheduler) if this process wins the lease.

    `trad serve` and `trad scheduler` share the lease `background`, so a second scheduler anywhere is
    a standby; `trad deliver` without shared pacing holds `delivery` (one deliverer, the others wait)."""
    app_state.trad_background = None
    app_state.trad_lease_keeper = None
    if not (settings.outbox_worker_enabled or settings.scheduler_enabled):
        log.info("runtime role: requests only (no scheduler or outbox worker in this process)")
        return
    bg = Background(settings, delivery, jobs, lease_s, lease_name)
    await bg.step()
    app_state.trad_background = bg
    with foreground.background():
        app_state.trad_lease_keeper = asyncio.create_task(bg.keep(), name="trad-runtime-lease")


async def stop(app_state: Any) -> None:
    keeper = getattr(app_state, "trad_lease_keeper", None)
    if keeper is not None:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        app_state.trad_lease_keeper = None
    bg = getattr(app_state, "trad_background", None)
    if bg is not None:
        await bg.close()
        app_state.trad_background = None
