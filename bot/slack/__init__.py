"""The Slack edge: translates Slack requests to the conversation layer and back."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Request

from models import foreground

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.slack.pressure import Backlog
    from bot.wiring import Wiring

log = logging.getLogger("trad.slack")
EVENTS_PATH = "/slack/events"


def mount(app: FastAPI, wiring: Wiring) -> None:
    """Add POST /slack/events when Slack is configured, and Socket Mode when SLACK_APP_TOKEN is set;
    with SLACK_CLIENT_ID/SECRET also GET /slack/install and /slack/oauth_redirect (many workspaces).

    Bolt's async FastAPI handler verifies every request's signature (401 otherwise)
    and never blocks the event loop. The Bolt app is kept on `app.state.slack_app`.
    """
    settings = wiring.settings
    if not settings.slack_enabled:
        return
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

    from bot.slack.app import build_slack_app

    bolt = build_slack_app(settings, uow=wiring.uow, conversation=wiring.conversation)
    handler = AsyncSlackRequestHandler(bolt)
    app.state.slack_app = bolt
    _share_http_session(app, bolt)

    backlog = bolt.trad.backlog  # type: ignore[attr-defined]
    gate = Shedder(settings.slack_max_in_flight, owed=bolt.trad.tasks, behind=backlog.behind)  # type: ignore[attr-defined]
    app.state.slack_gate = gate
    if settings.slack_max_in_flight:
        _watch_backlog(app, backlog)

    @app.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Any:
        return await handler.handle(request)  # admitted, and marked as a request, by `SlackGate`

    if settings.slack_oauth_enabled:  # many workspaces: bolt's install flow (bot/slack/oauth.py)
        @app.get("/slack/install", include_in_schema=False)
        async def slack_install(request: Request) -> Any:
            return await handler.handle(request)

        @app.get("/slack/oauth_redirect", include_in_schema=False)
        async def slack_oauth_redirect(request: Request) -> Any:
            return await handler.handle(request)

    if settings.slack_app_token:
        _add_socket_mode(app, bolt, settings.slack_app_token)


def gate_first(app: FastAPI) -> None:
    """Put the Slack gate outside every other middleware; called by the composition root after the last
    middleware is added. Why: past what the process can do, a refused request must cost as little as
    possible, or answering 503s itself keeps the event loop behind (bench/slack.md, «2026-12-05 14:55–16:10»)."""
    gate = getattr(app.state, "slack_gate", None)
    if gate is not None:
        app.add_middleware(SlackGate, gate=gate)


class SlackGate:
    """ASGI middleware: each POST to /slack/events is admitted by the `Shedder` or answered 503 at once,
    and while admitted it is a request that background work in this process gives way to (`models.foreground`)."""

    def __init__(self, app: Any, gate: Shedder) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != EVENTS_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        ticket = self.gate.enter()
        if ticket is None:
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"retry-after", b"1"), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            with foreground.request():
                await self.app(scope, receive, send)
        finally:
            self.gate.leave(ticket)


class Shedder:
    """Slack work in progress, bounded: past the bound a request gets a fast 503.

    Why: past the rate one process can serve, requests queue (for the event loop and the
    database threads) until each waits longer than Slack's 3 s, and then every request fails
    late. Refusing the excess at once keeps the answers that are accepted fast; Slack retries
    a refused event, and a person whose modal was refused sees Slack's own error and can send
    it again, with nothing half-stored. A request is refused when `limit` requests are in
    progress, or when the oldest of them has waited `max_wait` seconds (a third of Slack's 3 s:
    the server is not keeping up, whatever the count; a burst of cheap events passes), or when
    4 × `limit` answers are still owed after acks (`owed`, the listeners' background tasks), or
    when the process is `max_behind` seconds behind (`behind`: the event loop's lag or the oldest
    queued database job, `bot.slack.pressure`), which shows an overload before any request has
    been read late.
    """

    def __init__(self, limit: int, owed: set[Any] | None = None, *, max_wait: float = 1.0,
                 behind: Callable[[], float] | None = None, max_behind: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.owed = owed if owed is not None else set()
        self.max_wait = max_wait
        self.behind = behind or (lambda: 0.0)
        self.max_behind = max_behind
        self.clock = clock
        self.started: dict[int, float] = {}
        self.shed = 0
        self._ids = itertools.count()

    @property
    def in_flight(self) -> int:
        return len(self.started)

    def enter(self) -> int | None:
        """A ticket for `leave`, or None: answer 503."""
        now = self.clock()
        if self.limit and (len(self.started) >= self.limit or len(self.owed) >= 4 * self.limit
                           or (self.started and now - min(self.started.values()) >= self.max_wait)
                           or self.behind() >= self.max_behind):
            self.shed += 1
            if self.shed == 1 or self.shed % 100 == 0:
                log.warning("Slack load shedding: %d requests answered 503 so far (limit %d)", self.shed, self.limit)
            return None
        ticket = next(self._ids)
        self.started[ticket] = now
        return ticket

    def leave(self, ticket: int) -> None:
        self.started.pop(ticket, None)


def _watch_backlog(app: FastAPI, backlog: Backlog) -> None:
    """Measure the event loop's lag while the server runs (`Backlog.watch`)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        watcher = asyncio.ensure_future(backlog.watch())
        try:
            async with inner(a) as state:
                yield state
        finally:
            watcher.cancel()

    app.router.lifespan_context = lifespan


def _share_http_session(app: FastAPI, bolt: Any) -> None:
    """One aiohttp session (keep-alive connection pool) for every Web API and response_url call.

    Without it slack_sdk's AsyncWebClient opens (and closes) a new session and TCP/TLS
    connection for each call, which was a large part of the CPU per request under load.
    The session needs the running loop, so it is made in the lifespan; requests served
    without a lifespan (some tests) fall back to a session per call.
    """
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100, ttl_dns_cache=300),
                                        timeout=aiohttp.ClientTimeout(total=30))
        bolt.client.session = session
        bolt.trad.http = session
        try:
            async with inner(a) as state:
                yield state
        finally:
            # answers still on their way after an ack (a receipt, a modal update) get a few
            # seconds to finish before the session they use is closed
            await bolt.trad.drain()
            bolt.client.session = None
            bolt.trad.http = None
            await session.close()

    app.router.lifespan_context = lifespan


def _add_socket_mode(app: FastAPI, bolt: Any, app_token: str) -> None:
    """Start Bolt's Socket Mode client with the server (wrapping the existing lifespan)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(bolt, app_token)
        async with inner(a) as state:
            await handler.connect_async()
            log.info("Slack Socket Mode connected")
            try:
                yield state
            finally:
                await handler.close_async()

    app.router.lifespan_context = lifespan
