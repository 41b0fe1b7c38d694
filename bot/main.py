"""Composition root: builds the settings, the engine, the conversation, the delivery adapters and
the scheduled jobs, and passes them in: to every edge's `mount(app, wiring)`, to the background
runtime (outbox worker, scheduler) and to the `trad` commands, which build through the same
functions. Nothing below this module looks any of them up on its own.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.wiring import Wiring
from models.errors import DomainError
from models.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from notifications.base import Adapter
    from notifications.outbox_worker import Delivery

log = logging.getLogger("trad")


def load_settings() -> Settings:
    """Settings for a `trad` command, or one clear line naming the bad setting and exit code 2."""
    import click
    from pydantic import ValidationError

    try:
        return get_settings()
    except (ValidationError, SettingsError) as exc:
        if isinstance(exc, ValidationError):
            msg = exc.errors()[0].get("msg", str(exc)).removeprefix("Value error, ")
            loc = exc.errors()[0].get("loc") or ()
            if loc and str(loc[0]) not in msg:
                msg = f"{loc[0]}: {msg}"
        else:
            msg = str(exc)
        click.echo(f"Tråd kan ikke starte: {msg}", err=True)
        sys.exit(2)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from notifications import runtime

        await runtime.start(settings, app.state, delivery=build_delivery(settings, wiring.engine, wiring.adapters),
                            jobs=build_jobs(settings, wiring.engine))
        try:
            yield
        finally:
            await runtime.stop(app.state)

    app = FastAPI(title="Tråd", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    wiring = build_wiring(settings)
    app.state.wiring = wiring

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        with wiring.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "slack": settings.slack_enabled, "teams": settings.teams_enabled}

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        body: dict[str, object] = {"feil": exc.message}
        if hasattr(exc, "errors"):
            body["felt"] = exc.errors
        return JSONResponse(body, status_code=exc.http_status)

    import bot.slack
    import bot.teams
    import forms

    # The chat platforms first: routes are matched in order, and Slack and Teams wait for an
    # answer within seconds while the web pages have dozens of routes to try.
    bot.slack.mount(app, wiring)
    bot.teams.mount(app, wiring)
    forms.mount(app, wiring)
    bot.slack.gate_first(app)  # last: the outermost middleware, so a refused Slack request costs the least
    return app


def build_engine(settings: Settings) -> Engine:
    """The process's engine (one per database URL, so every part shares its pool)."""
    from models.db import get_engine

    return get_engine(settings.database_url)


def build_wiring(settings: Settings) -> Wiring:
    """The one place that builds the engine, the conversation and the delivery adapters for this process."""
    wiring = _core_wiring(settings)
    wiring.adapters.update(build_adapters(wiring))
    return wiring


def _core_wiring(settings: Settings) -> Wiring:
    from bot.conversation.engine import Conversation
    from models.db import get_engine
    from models.services import escalation
    from models.uow import UnitOfWork

    escalation.configure(escalation.Thresholds.from_settings(settings))
    engine = get_engine(settings.database_url)
    uow = UnitOfWork(engine)
    return Wiring(settings=settings, engine=engine, uow=uow, conversation=Conversation(settings=settings, uow=uow))


def build_adapters(wiring: Wiring) -> dict[str, Adapter]:
    """The delivery adapters this deployment has: Slack and/or Teams when configured, else the
    console (demo); plus e-mail, the fallback for people without chat, when SMTP_HOST and SMTP_FROM are set."""
    settings, engine = wiring.settings, wiring.engine
    adapters: dict[str, Adapter] = {}
    if settings.slack_enabled:
        from bot.slack.delivery import build_adapter as build_slack

        slack = build_slack(settings, wiring.conversation, wiring.uow)
        if slack is not None:
            adapters["slack"] = slack
    if settings.teams_enabled:
        from bot.teams.delivery import TeamsAdapter

        adapters["teams"] = TeamsAdapter(settings, engine=engine)
    if not adapters:
        from bot.console.delivery import ConsoleAdapter, ConsoleInbox

        adapters["console"] = ConsoleAdapter(ConsoleInbox(settings.console_inbox))
    if settings.email_enabled:
        from notifications.email import EmailAdapter

        adapters["email"] = EmailAdapter.from_settings(settings)
    return adapters


def build_delivery(settings: Settings, engine: Engine, adapters: dict[str, Adapter], *,
                   lease_s: float | None = None) -> Delivery:
    """The outbox worker's set-up: one pacer per process, so every round shares the platforms' budget;
    with shared pacing (PostgreSQL by default) the pace is booked in the database, so every delivering
    process shares it."""
    from models.uow import UnitOfWork
    from notifications.outbox_worker import Delivery
    from notifications.pacing import Pacer, SharedPacer, limits_from_settings

    pacer = (SharedPacer(limits_from_settings(settings), UnitOfWork(engine)) if settings.pacing_is_shared
             else Pacer(limits_from_settings(settings)))
    return Delivery(engine=engine, adapters=adapters, pacer=pacer,
                    poll_s=settings.outbox_poll_seconds,
                    lease_s=settings.outbox_lease_seconds if lease_s is None else lease_s,
                    max_attempts=settings.outbox_max_attempts, share_kommuner=settings.pacing_is_shared)


def build_jobs(settings: Settings, engine: Engine) -> dict[str, Callable[[], Any]]:
    """The scheduled jobs (nudges, deadline reminders, summaries, housekeeping) bound to this process."""
    from functools import partial

    from notifications.jobs import bind_jobs
    from notifications.tenant_schedules import per_kommune

    jobs: dict[str, Callable[[], Any]] = per_kommune(bind_jobs(engine, settings), engine, settings)
    if settings.teams_auto_install != "off":  # issue 18: install Tråd in Teams for those who lack it
        from bot.teams.install import auto_install_job
        jobs["teams_auto_install"] = partial(auto_install_job, engine=engine, settings=settings)
    if settings.entra_sync_enabled:  # issue 17: the organisation from Entra ID, nightly (delta)
        from bot.entra.sync import entra_sync
        jobs["entra_sync"] = partial(entra_sync, engine=engine, settings=settings)
    return jobs


def serve_requests_app() -> FastAPI:
    """`trad serve`'s web process when its background runs in a child (SERVE_BACKGROUND=child):
    requests only, so no delivery or scheduled job ever waits in line with a Slack ack."""
    settings = get_settings().model_copy(update={"scheduler_enabled": False, "outbox_worker_enabled": False})
    return serve_app(settings)


def serve_app(settings: Settings | None = None) -> FastAPI:
    """The app as `trad serve` runs it: `create_app` plus the serving process's GC policy.

    Kept apart from `create_app`, which tests call many times in one process.
    """
    from bot import gc_policy
    from notifications.threads import shorten_gil_turns

    show_runtime_log()
    settings = settings or get_settings()
    gc_policy.limit_malloc_arenas(settings.serve_malloc_arenas)
    app = create_app(settings)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        import asyncio

        shorten_gil_turns(settings)
        async with inner(a):
            log.debug("gc: %d objects frozen at start", gc_policy.freeze_now(collect=True))
            timers = gc_policy.schedule_freezes(asyncio.get_running_loop())
            try:
                yield
            finally:
                for t in timers:
                    t.cancel()

    app.router.lifespan_context = lifespan
    return app


def show_runtime_log() -> None:
    """Show at start whether this server process runs the scheduler and the outbox worker
    (`notifications.runtime`): uvicorn configures only its own loggers."""
    runtime_log = logging.getLogger("trad.runtime")
    if not runtime_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        runtime_log.addHandler(handler)
        runtime_log.setLevel(logging.INFO)
        runtime_log.propagate = False
