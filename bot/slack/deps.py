"""The small toolbox every Slack listener module shares (`SlackDeps`), and how direct answers are sent.

Kept apart from `bot.slack.app` (which registers the listeners) so listeners import this
module and the app imports them, never the other way round.
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

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.channel import ChannelUser
from bot.conversation.engine import Conversation
from bot.slack.blocks import message_payloads
from bot.slack.home import publish_home
from bot.slack.identity import IdentityResolver, unknown_user_text
from bot.slack.pressure import Backlog
from models.messages import Reply
from models.settings import Settings
from models.uow import UnitOfWork

log = logging.getLogger("trad.slack")
T = TypeVar("T")


def default_workers(settings: Settings) -> int:
    """Threads for database work after the ack.

    Few on purpose: every busy thread competes with the event loop for the GIL, and the
    loop is what answers Slack within 3 s. SQLite serialises writes anyway, and a
    PostgreSQL pool of 5 connections gains little from more. `SLACK_WORKER_THREADS` overrides.
    """
    if settings.slack_worker_threads:
        return settings.slack_worker_threads
    return min(4, (os.cpu_count() or 1) + 1)


@dataclass
class SlackDeps:
    """What listeners need besides Bolt's own arguments: the conversation, identities, the unit of work."""

    settings: Settings
    uow: UnitOfWork
    conversation: Conversation
    identities: IdentityResolver
    executor: ThreadPoolExecutor
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    optional_tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    home_interval: float = 2.0
    http: Any = None  # one shared aiohttp.ClientSession (set in the server's lifespan), also for response_url
    backlog: Backlog = field(default_factory=Backlog)  # how far behind this process is (the load shedder reads it)
    _home_pending: dict[str, bool] = field(default_factory=dict)
    _home_last: dict[str, float] = field(default_factory=dict)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking (database) work on the Slack edge's own bounded pool, off the event loop."""
        job, ticket = self.backlog.job(functools.partial(fn, *args))
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, job)
        finally:
            self.backlog.settled(ticket)

    def responder(self, response_url: str | None) -> Any:
        """A `respond` for a response_url that reuses the shared HTTP session (Bolt's opens one per call)."""
        if not response_url:
            return None
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        hook = AsyncWebhookClient(url=response_url, session=self.http)

        async def respond(text: str = "", blocks: list[dict[str, Any]] | None = None, response_type: str | None = None,
                          replace_original: bool | None = None, delete_original: bool | None = None) -> Any:
            return await hook.send(text=text, blocks=blocks, response_type=response_type,
                                   replace_original=replace_original, delete_original=delete_original)

        return respond

    def user(self, team_id: str, user_id: str) -> ChannelUser:
        return ChannelUser(platform="slack", workspace=team_id or "-", user_id=user_id,
                           locale=self.identities.locale(team_id, user_id))

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

    async def unknown_text(self, team_id: str = "") -> str:
        """What an unknown user is told, naming the administrators of their workspace's kommune only."""
        return unknown_user_text(await self.run(self.identities.admin_names, team_id))

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
                    await publish_home(client, self.conversation, user_id=user_id, person_id=person_id,
                                       runner=self.run)
                    if not self._home_pending.get(user_id):
                        break
            finally:
                self._home_pending.pop(user_id, None)

        self.background(run(), "home refresh", drain=False)


async def send_replies(client: AsyncWebClient | None, replies: list[Reply], *, user_id: str,
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
            if client is None:
                raise ValueError("a reply without respond needs a client")
            if channel is None:
                opened = await client.conversations_open(users=user_id)
                channel = opened["channel"]["id"]
            await client.chat_postMessage(channel=channel, text=part["text"], blocks=part["blocks"],
                                          unfurl_links=False, unfurl_media=False)
