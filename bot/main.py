"""Composition root: builds the FastAPI app and mounts every edge that is configured.

Each edge exposes `mount(app, settings)`; nothing here knows a platform's details.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.wiring import Wiring
from models.errors import DomainError
from models.settings import Settings, get_settings

log = logging.getLogger("trad")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from notifications import runtime

        await runtime.start(settings, app.state)
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
        from models.db import get_engine

        with get_engine(settings.database_url).connect() as conn:
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
    return app


def build_wiring(settings: Settings) -> Wiring:
    """The one place that builds the engine and the conversation for this process."""
    from bot.conversation.engine import Conversation
    from models.db import get_engine
    from models.uow import UnitOfWork

    engine = get_engine(settings.database_url)
    return Wiring(settings=settings, engine=engine, uow=UnitOfWork(engine),
                  conversation=Conversation(settings=settings, uow=UnitOfWork(engine)))


def serve_app() -> FastAPI:
    """The app as `trad serve` runs it: `create_app` plus the serving process's GC policy.

    Kept apart from `create_app`, which tests call many times in one process.
    """
    app = create_app()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        import asyncio

        from bot import gc_policy

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
