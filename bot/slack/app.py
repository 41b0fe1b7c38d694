"""The Slack app factory and the small toolbox every listener module shares.

`build_slack_app(settings)` builds a fresh Bolt `AsyncApp` (no module-level app that
reads the environment at import time), pointing its Web API client at
`settings.slack_api_url`, and registers one listener module per kind.

The app runs with `process_before_response=True`: Bolt answers Slack the moment a
listener returns. Every listener acks, hands its slow part to `SlackDeps.background`
and returns, so the answer leaves at once. (With Bolt's default, the handler polls for
the ack every 10 ms, which adds up to 10 ms to every command, button and submission.)
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.conversation.channel import ChannelUser
from bot.conversation.engine import Conversation
from bot.slack.blocks import message_payloads
from bot.slack.home import publish_home
from bot.slack.identity import IdentityResolver, slack_error, unknown_user_text
from models.messages import Reply
from models.settings import Settings

log = logging.getLogger("trad.slack")
T = TypeVar("T")


def default_workers() -> int:
    """Threads for database work after the ack.

    Few on purpose: every busy thread competes with the event loop for the GIL, and the
    loop is what answers Slack within 3 s. SQLite serialises writes anyway, and a
    PostgreSQL pool of 5 connections gains little from more. `SLACK_WORKER_THREADS` overrides.
    """
    try:
        return max(1, int(os.environ.get("SLACK_WORKER_THREADS", "")))
    except ValueError:
        return min(4, (os.cpu_count() or 1) + 1)


@dataclass
class SlackDeps:
    """What listeners need besides Bolt's own arguments: the conversation, identities, the engine."""

    settings: Settings
    engine: Engine
    conversation: Conversation
    identities: IdentityResolver
    tasks: set[asyncio.Task] = field(default_factory=set)
    optional_tasks: set[asyncio.Task] = field(default_factory=set)
    home_interval: float = 2.0
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=default_workers(), thread_name_prefix="trad-slack"))
    http: Any = None  # one shared aiohttp.ClientSession (set in the server's lifespan), also for response_url

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking (database) work on the Slack edge's own bounded pool, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(fn, *args))

    def responder(self, response_url: str | None) -> Any:
        """A `respond` for a response_url that reuses the shared HTTP session (Bolt's opens one per call)."""
        if not response_url:
            return None
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        hook = AsyncWebhookClient(url=response_url, session=self.http)

        async def respond(text: str = "", blocks: list | None = None, response_type: str | None = None,
                          replace_original: bool | None = None, delete_original: bool | None = None) -> Any:
            return await hook.send(text=text, blocks=blocks, response_type=response_type,
                                   replace_original=replace_original, delete_original=delete_original)

        return respond
    _home_pending: dict[str, bool] = field(default_factory=dict)
    _home_last: dict[str, float] = field(default_factory=dict)

    def user(self, team_id: str, user_id: str) -> ChannelUser:
        return ChannelUser(platform="slack", workspace=team_id or "-", user_id=user_id)

    def background(self, coro: Awaitable[Any], what: str, *, drain: bool = True) -> None:
        """Run work after the ack; errors are logged (never reach Bolt, which could reset the ack).

        `drain=False` marks work that is not worth delaying a shutdown for (an App Home
        refresh: the home is rebuilt when the person next opens it); it is cancelled instead.
        """

        async def guarded() -> None:
            try:
                await coro
            except Exception:  # noqa: BLE001 - after ack() an error must not change the response
                log.exception("slack background work failed: %s", what)

        task = asyncio.ensure_future(guarded())
        tasks = self.tasks if drain else self.optional_tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """At shutdown: let answers already acked finish (up to `timeout`), cancel the rest."""
        for task in list(self.optional_tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=timeout)
        for task in list(self.tasks) + list(self.optional_tasks):
            task.cancel()

    async def unknown_text(self) -> str:
        return unknown_user_text(await self.run(self.identities.admin_names))

    def refresh_home(self, client: AsyncWebClient, user_id: str, person_id: int) -> None:
        """Refresh a user's App Home soon, coalescing bursts: at most one publish per user per interval.

        A burst of actions (ticking ten check items) then costs one or two `views.publish`
        calls instead of ten, which keeps both the CPU and Slack's rate limit for the ack path.
        """
        if user_id in self._home_pending:
            self._home_pending[user_id] = True  # a refresh is queued or running: make it run once more
            return
        self._home_pending[user_id] = False

        async def run() -> None:
            try:
                while True:
                    wait = self._home_last.get(user_id, 0.0) + self.home_interval - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self._home_pending[user_id] = False
                    self._home_last[user_id] = time.monotonic()
                    await publish_home(client, self.engine, self.settings, user_id=user_id, person_id=person_id,
                                       runner=self.run)
                    if not self._home_pending.get(user_id):
                        break
            finally:
                self._home_pending.pop(user_id, None)

        self.background(run(), "home refresh", drain=False)


async def send_replies(client: AsyncWebClient, replies: list[Reply], *, user_id: str,
                       channel: str | None = None, respond: Callable[..., Awaitable[Any]] | None = None) -> None:
    """Answer the person who just did something.

    With a `respond` (slash commands, message buttons) the answer is ephemeral in place;
    otherwise it goes to `channel` or to the user's DM with the bot. Only direct answers
    go this way: notifications to other people come from the outbox.
    """
    for reply in replies:
        for part in message_payloads(reply):
            if respond is not None:
                await respond(text=part["text"], blocks=part["blocks"], response_type="ephemeral",
                              replace_original=False)
                continue
            if channel is None:
                opened = await client.conversations_open(users=user_id)
                channel = opened["channel"]["id"]
            await client.chat_postMessage(channel=channel, text=part["text"], blocks=part["blocks"],
                                          unfurl_links=False, unfurl_media=False)


def build_slack_app(settings: Settings, *, engine: Engine | None = None,
                    conversation: Conversation | None = None) -> AsyncApp:
    """A Bolt AsyncApp with every Tråd listener registered; `deps` is kept on `app.trad`.

    Listeners must return quickly (see the module docstring): whatever they await before
    returning delays Slack's answer.
    """
    from models.db import get_engine

    engine = engine or get_engine(settings.database_url)
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret, process_before_response=True,
                   request_verification_enabled=True, raise_error_for_unhandled_request=False)
    deps = SlackDeps(settings=settings, engine=engine,
                     conversation=conversation or Conversation(engine=engine, settings=settings),
                     identities=IdentityResolver(engine))
    deps.identities.runner = deps.run
    app.trad = deps  # type: ignore[attr-defined]

    from bot.slack.listeners import actions, commands, events, shortcuts, views

    for module in (commands, shortcuts, actions, views, events):
        module.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict) -> None:
        """One place for listener errors Bolt sees (most are caught earlier so the ack stands)."""
        if isinstance(error, SlackApiError):
            log.warning("Slack API error: %s", slack_error(error))
        else:
            log.error("Slack listener error (%s): %r", body.get("type"), error)

    return app
