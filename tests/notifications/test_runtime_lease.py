"""`trad serve --workers N`: only one process runs the scheduler and the outbox worker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from models.services import runtime_lease
from models.settings import Settings
from models.tables._common import utcnow
from models.uow import UnitOfWork
from notifications import runtime

LEASE_S = 3.0  # short, so a takeover takes seconds here (longer than building a scheduler on a busy machine)


def _settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SCHEDULER_ENABLED", "true")
    monkeypatch.setenv("OUTBOX_WORKER_ENABLED", "true")
    return Settings()


def _process(settings: Settings) -> tuple[SimpleNamespace, Any, dict]:
    """What one `trad serve` worker process builds: its own delivery and jobs, on the shared database."""
    from bot.main import build_delivery, build_jobs, build_wiring

    wiring = build_wiring(settings)
    return SimpleNamespace(), build_delivery(settings, wiring.engine, wiring.adapters), build_jobs(settings, wiring.engine)


def _running(state: SimpleNamespace) -> bool:
    bg = state.trad_background
    return bg.scheduler is not None and bg.worker is not None and not bg.worker.done()


def test_two_server_processes_run_one_scheduler_and_hand_over_at_stop(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    settings = _settings(monkeypatch)
    (a, da, ja), (b, db, jb) = _process(settings), _process(settings)

    async def go() -> None:
        await runtime.start(settings, a, delivery=da, jobs=ja, lease_s=LEASE_S)
        await runtime.start(settings, b, delivery=db, jobs=jb, lease_s=LEASE_S)
        assert _running(a)
        assert b.trad_background.scheduler is None and b.trad_background.worker is None
        await asyncio.sleep(LEASE_S * 1.5)  # several renewals: the holder keeps it, the other stays idle
        assert _running(a) and b.trad_background.scheduler is None
        await runtime.stop(a)  # a clean stop gives the lease up …
        await b.trad_background.step()  # … and the other process takes over at its next try
        assert _running(b)
        await runtime.stop(b)

    with caplog.at_level(logging.INFO, logger="trad.runtime"):
        asyncio.run(go())
    roles = [r.getMessage() for r in caplog.records if r.getMessage().startswith("runtime role")]
    assert roles[0].startswith("runtime role: scheduler and outbox worker in this process")
    assert roles[1].startswith("runtime role: requests only;")
    assert roles[2].startswith("runtime role: scheduler and outbox worker in this process")


def test_a_dead_holder_is_replaced_after_its_lease(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch)
    (a, da, ja), (b, db, jb) = _process(settings), _process(settings)

    async def go() -> None:
        await runtime.start(settings, a, delivery=da, jobs=ja, lease_s=LEASE_S)
        await runtime.start(settings, b, delivery=db, jobs=jb, lease_s=LEASE_S)
        a.trad_lease_keeper.cancel()  # process a hangs or dies: it stops renewing, releases nothing
        await a.trad_background._stop_work()
        for _ in range(60):
            if _running(b):
                break
            await asyncio.sleep(LEASE_S / 3)
        assert _running(b)
        await runtime.stop(b)

    asyncio.run(go())


def test_the_lease_has_one_holder_until_it_lapses(engine: Any) -> None:
    uow = UnitOfWork(engine)
    now = utcnow()

    def take(holder: str, at: Any) -> bool:
        with uow.write() as tx:
            return runtime_lease.take_or_renew(session=tx, name="background", holder=holder, now=at, ttl_s=20)

    assert take("a", now)
    assert not take("b", now + timedelta(seconds=5))
    assert take("a", now + timedelta(seconds=10))  # renewed to +30 s
    assert not take("b", now + timedelta(seconds=25))
    assert take("b", now + timedelta(seconds=31))  # lapsed: b takes it
    assert not take("a", now + timedelta(seconds=32))


def test_a_separate_scheduler_process_waits_while_a_server_holds_the_lease(db_url: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """`trad scheduler` takes the same lease as `trad serve`: a second scheduler is a standby, then takes over."""
    from notifications.cli import _under_lease

    settings = _settings(monkeypatch)
    (a, da, ja), (_b, db, jb) = _process(settings), _process(settings)
    uow = UnitOfWork(da.engine)

    def holder() -> str | None:
        with uow.read() as tx:
            return runtime_lease.holder_of(session=tx, name=runtime_lease.BACKGROUND, now=utcnow())

    async def go() -> None:
        await runtime.start(settings, a, delivery=da, jobs=ja, lease_s=LEASE_S)  # the server
        stop = asyncio.Event()
        scheduler = asyncio.create_task(_under_lease(settings, db, jb, stop, lease_name=runtime_lease.BACKGROUND,
                                                     lease_s=LEASE_S))
        await asyncio.sleep(LEASE_S)
        assert holder() == a.trad_background.holder and _running(a)  # the scheduler process only waits
        await runtime.stop(a)
        for _ in range(40):
            await asyncio.sleep(0.25)
            if holder() not in (None, a.trad_background and a.trad_background.holder):
                break
        assert holder() is not None  # the standby took over
        stop.set()
        await scheduler

    asyncio.run(go())
