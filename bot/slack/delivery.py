"""Slack delivery: one outbox message → a DM (or channel post), an in-place update, or a chart upload.

The outbox worker owns retries and pacing, so this adapter never retries on its own:
it sends once and says how it went. 429 → `RetryLater(after=Retry-After)`, 5xx and
network errors → `RetryLater`, a user or channel that is gone → `Unreachable`, a
payload Slack refuses → `PermanentFailure`. Every message carries its dedupe key as
message metadata, so `find_sent` can tell a reclaimed row that it already went out.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import message_payloads
from bot.slack.home_refresh import HomeRefresher
from bot.slack.summary import reply_summary_blocks
from bot.slack.tokens import TokenSource
from models.messages import Reply
from models.settings import Settings
from models.uow import UnitOfWork
from notifications.base import PermanentFailure, Recipient, RetryLater, Unreachable

if TYPE_CHECKING:
    from bot.conversation.engine import Conversation

log = logging.getLogger("trad.slack.delivery")
METADATA_EVENT = "trad_outbox"
UNREACHABLE = {"user_not_found", "users_not_found", "channel_not_found", "account_inactive", "user_disabled",
               "cannot_dm_bot", "not_in_channel", "is_archived", "user_is_restricted", "method_not_supported_for_channel_type",
               "not_allowed_token_type", "team_access_not_granted", "missing_scope_im",
               "token_revoked"}  # a send racing the workspace's `app_uninstalled` event
TRANSIENT = {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
             "timeout"}


def _map_error(e: SlackApiError) -> Exception:
    resp = e.response
    status = getattr(resp, "status_code", 200) or 200
    data = getattr(resp, "data", None)
    code = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or code in ("ratelimited", "rate_limited"):
        headers = getattr(resp, "headers", {}) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after")
        try:
            after = float(raw) if raw is not None else None
        except ValueError:
            after = None
        return RetryLater(f"slack 429 {code}".strip(), after=after)
    if status >= 500 or code in TRANSIENT:
        return RetryLater(f"slack {status} {code}".strip())
    if code in UNREACHABLE:
        return Unreachable(f"slack: {code}")
    return PermanentFailure(f"slack: {code or status}")


class SlackAdapter:
    """Delivers outbox messages through the Slack Web API (`AsyncWebClient`).

    With many workspaces (`tokens`, bot/slack/tokens.py) each message goes out with the token of the
    recipient's workspace, else of the kommune's installation; `client` (SLACK_BOT_TOKEN) is the
    single-token setup's client and the fallback.
    """

    platform = "slack"
    per_org = True  # find_user takes the kommune (the worker passes org_id)

    def __init__(self, client: AsyncWebClient, *,
                 tokens: Any = None, share_session: bool = False, home_refresh: HomeRefresher | None = None) -> None:
        self.client = client
        self.home_refresh = home_refresh  # queued after each DM, published when the sends leave room
        self.tokens = tokens  # TokenSource | None
        self._current: contextvars.ContextVar[AsyncWebClient] = contextvars.ContextVar("slack_client")
        self.share_session = share_session and client.session is None
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    def _shared_session(self) -> None:
        """One HTTP session (keep-alive connection pool) per process and event loop, for every token's client.

        Why: without a session slack_sdk opens a new aiohttp session, i.e. a new TCP (and TLS) connection,
        for every call; a fan-out made ~2 per DM (post + App Home), and the handshake's CPU and round trips
        landed between the pacing slot and the post (issue 13). A new event loop gets a new session."""
        if not self.share_session:
            return
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
            self._session_loop = loop
        self.client.session = self._session

    async def aclose(self) -> None:
        """Publish the App Homes still waiting, then close the shared HTTP session (the worker calls
        this when it stops, `Delivery.drain` when it is done)."""
        if self.home_refresh is not None:
            await self.home_refresh.flush()
        session, self._session = self._session, None
        if session is not None and not session.closed and self._session_loop is asyncio.get_running_loop():
            await session.close()
        if self.share_session:
            self.client.session = None

    async def client_for(self, *, workspace: str | None, org_id: int | None) -> AsyncWebClient:
        """The client with the right token for this workspace/kommune; Unreachable when there is none."""
        self._shared_session()
        if self.tokens is None:
            return self.client
        token = await self.tokens.token(workspace=workspace, org_id=org_id)
        if token is None:
            if self.client.token:
                return self.client
            raise Unreachable("no Slack installation mapped to this kommune")
        return self.tokens.client(token, self.client)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return await getattr(self._current.get(self.client), method)(**kwargs)
        except SlackApiError as e:
            raise _map_error(e) from e
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise RetryLater(f"slack network error: {type(e).__name__}") from e

    async def _channel(self, recipient: Recipient, *, open_dm: bool = True) -> tuple[str, str | None]:
        """(channel, Slack user id) to post to: a target channel, or the user's DM.

        For posting, `open_dm=False` returns the user id itself: chat.postMessage to a user
        id lands in the app's DM and answers with the DM's channel id, which saves a
        conversations.open (Tier 3, ~50/min) per message — decisive in a 1,000-leader fan-out.
        """
        if recipient.target:
            return recipient.target, None
        user_id = recipient.user_id
        if not user_id and recipient.conversation_ref:
            user_id = recipient.conversation_ref.get("user_id")
        if not user_id and recipient.email:
            found = await self.find_user(email=recipient.email)
            user_id = found["user_id"] if found else None
        if not user_id:
            raise Unreachable("no Slack user for this person")
        if not open_dm:
            return user_id, user_id
        opened = await self._call("conversations_open", users=user_id)
        return opened["channel"]["id"], user_id

    gates_each_post = True  # the worker's send-time gate runs right before each post (notifications/base.py)

    async def deliver(self, *, recipient: Recipient, reply: Reply, previous_ref: dict | None, dedupe_key: str,
                      gate: Callable[[], Awaitable[None]] | None = None) -> dict:
        with self.home_refresh.sending() if self.home_refresh is not None else contextlib.nullcontext():
            client = await self.client_for(workspace=recipient.workspace, org_id=recipient.org_id)
            reset = self._current.set(client)
            try:
                return await self._deliver(client, recipient, reply, previous_ref, dedupe_key, gate or _no_gate)
            finally:
                self._current.reset(reset)

    async def _deliver(self, client: AsyncWebClient, recipient: Recipient, reply: Reply, previous_ref: dict | None,
                       dedupe_key: str, gate: Callable[[], Awaitable[None]]) -> dict:
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": dedupe_key[:200]}}
        parts = message_payloads(reply)
        rich = reply.rich.get("slack_blocks") or reply_summary_blocks(reply)
        if rich:  # the summary's own layout (already escaped), in messages of at most 50 blocks
            parts = [{"text": reply.title or parts[0]["text"], "blocks": rich[i:i + 50]} for i in range(0, len(rich), 50)]
        if previous_ref and previous_ref.get("channel") and previous_ref.get("ts"):
            first = parts[0]
            await gate()
            await self._call("chat_update", channel=previous_ref["channel"], ts=previous_ref["ts"], text=first["text"],
                             blocks=first["blocks"], metadata=metadata)
            return {"channel": previous_ref["channel"], "ts": previous_ref["ts"]}
        channel, user_id = await self._channel(recipient, open_dm=False)
        first_ts: str | None = None
        for part in parts:
            await gate()  # each part counts against the workspace's limit
            resp = await self._call("chat_postMessage", channel=channel, text=part["text"], blocks=part["blocks"],
                                    unfurl_links=False, unfurl_media=False, metadata=metadata)
            first_ts = first_ts or resp.get("ts")
            channel = resp.get("channel") or channel
        if reply.image_png_b64:
            await self._call("files_upload_v2", channel=channel, content=base64.b64decode(reply.image_png_b64),
                             filename="graf.png", title=(reply.image_alt or reply.title or "Graf")[:250],
                             alt_txt=(reply.image_alt or "")[:1000] or None)
        if self.home_refresh is not None and user_id:
            self.home_refresh.queue(client, user_id, recipient.person_id)
        return {"channel": channel, "ts": first_ts}

    async def find_user(self, *, email: str, org_id: int | None = None) -> dict | None:
        try:
            client = self._current.get(None) or await self.client_for(workspace=None, org_id=org_id)
        except Unreachable:
            return None
        try:
            resp = await client.users_lookupByEmail(email=email)
        except SlackApiError as e:
            err = _map_error(e)
            if isinstance(err, RetryLater):
                raise err from e
            return None
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise RetryLater(f"slack network error: {type(e).__name__}") from e
        user = resp.get("user") or {}
        if not user.get("id") or user.get("deleted"):
            return None
        return {"user_id": user["id"], "workspace": user.get("team_id") or "", "conversation_ref": {"user_id": user["id"]}}

    async def find_sent(self, *, recipient: Recipient, dedupe_key: str) -> dict | None:
        """Was this outbox row already posted (a crash between send and commit)? Looks at the DM's recent history."""
        try:
            client = await self.client_for(workspace=recipient.workspace, org_id=recipient.org_id)
            reset = self._current.set(client)
            try:
                channel, _ = await self._channel(recipient)
                hist = await self._call("conversations_history", channel=channel, limit=20, include_all_metadata=True)
            finally:
                self._current.reset(reset)
        except (Unreachable, PermanentFailure):
            return None
        for m in hist.get("messages") or []:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == METADATA_EVENT and (meta.get("event_payload") or {}).get("key") == dedupe_key[:200]:
                return {"channel": channel, "ts": m.get("ts")}
        return None


async def _no_gate() -> None:
    return None


def build_adapter(settings: Settings, conversation: Conversation, uow: UnitOfWork | None = None) -> SlackAdapter | None:
    """The adapter for this deployment; it also refreshes the recipient's App Home after DMs, when the
    sends leave room (`HomeRefresher`), built by the process's conversation (passed in by the composition root)."""
    if not settings.slack_enabled:
        return None
    from bot.slack import home

    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)

    async def refresh(with_client: AsyncWebClient, user_id: str, person_id: int) -> None:
        # looked up on the module at each call, so bench/tenants_fanout.py's --no-home can replace it
        await home.publish_home(with_client, conversation, user_id=user_id, person_id=person_id)

    tokens = TokenSource(settings, uow) if settings.slack_oauth_enabled and uow is not None else None
    return SlackAdapter(client, tokens=tokens, share_session=True, home_refresh=HomeRefresher(refresh))
