"""The Slack edge: translates Slack requests to the conversation layer and back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Request

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.wiring import Wiring

log = logging.getLogger("trad.slack")


def mount(app: FastAPI, wiring: Wiring) -> None:
    """Add POST /slack/events when Slack is configured, and Socket Mode when SLACK_APP_TOKEN is set;
    with SLACK_CLIENT_ID/SECRET also GET /slack/install and /slack/oauth_redirect (many workspaces).

    Bolt's async FastAPI handler verifies every request's signature (401 otherwise)
    and never blocks the event loop. The Bolt app is kept on `app.state.slack_app`.
    """
    settings = wiring.settings
    if not settings.slack_enabled:
        return
    _shorten_gil_switch(settings.slack_gil_switch_ms)
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

    from bot.slack.app import build_slack_app

    bolt = build_slack_app(settings, uow=wiring.uow, conversation=wiring.conversation)
    handler = AsyncSlackRequestHandler(bolt)
    app.state.slack_app = bolt
    _share_http_session(app, bolt)

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Any:
        return await handler.handle(request)

    if settings.slack_oauth_enabled:  # many workspaces: bolt's install flow (bot/slack/oauth.py)
        @app.get("/slack/install", include_in_schema=False)
        async def slack_install(request: Request) -> Any:
            return await handler.handle(request)

        @app.get("/slack/oauth_redirect", include_in_schema=False)
        async def slack_oauth_redirect(request: Request) -> Any:
            return await handler.handle(request)

    if settings.slack_app_token:
        _add_socket_mode(app, bolt, settings.slack_app_token)


def _shorten_gil_switch(ms: float) -> None:
    """Let the event loop get the GIL back sooner from busy worker threads.

    Acks are sent from the event loop; database work after the ack runs in threads. A
    thread keeps the GIL for up to `sys.getswitchinterval()` (5 ms by default) each time
    the loop asks for it, and the loop asks several times per request, so under load
    that wait, not the work, dominated the ack time. 0.5 ms costs a little throughput
    in the threads. `SLACK_GIL_SWITCH_MS` overrides (0 leaves Python's default).
    """
    import sys

    if ms > 0:
        sys.setswitchinterval(min(sys.getswitchinterval(), ms / 1000))


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
