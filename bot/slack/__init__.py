"""The Slack edge: translates Slack requests to the conversation layer and back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Request

if TYPE_CHECKING:
    from fastapi import FastAPI

    from models.settings import Settings

log = logging.getLogger("trad.slack")


def mount(app: FastAPI, settings: Settings) -> None:
    """Add POST /slack/events when Slack is configured, and Socket Mode when SLACK_APP_TOKEN is set.

    Bolt's async FastAPI handler verifies every request's signature (401 otherwise)
    and never blocks the event loop. The Bolt app is kept on `app.state.slack_app`.
    """
    if not settings.slack_enabled:
        return
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

    from bot.slack.app import build_slack_app

    bolt = build_slack_app(settings)
    handler = AsyncSlackRequestHandler(bolt)
    app.state.slack_app = bolt

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Any:
        return await handler.handle(request)

    if settings.slack_app_token:
        _add_socket_mode(app, bolt, settings.slack_app_token)


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
