"""Teams delivery for outbox rows: Adaptive Cards through the Bot Connector.

The outbox worker owns retries (back-off with jitter); this adapter sends one
message, paces itself within Teams' per-conversation limits (7 messages/s,
60/30 s), and maps the connector's answer to the port's outcomes:
429/412/502/504/5xx/network → RetryLater, 401 → one token refresh then RetryLater,
403/404 → Unreachable, other 4xx → PermanentFailure.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from typing import Any

from bot.teams import cards
from bot.teams.connector import Connector, ConnectorError, HostNotAllowed, get_connector
from bot.teams.graph import GraphError, TeamsInstaller
from models.messages import Reply
from models.services.outbox_recipients import stored_conversation
from models.settings import Settings
from models.uow import UnitOfWork
from notifications.base import PermanentFailure, Recipient, RetryLater, Unreachable

log = logging.getLogger("trad.notifications.teams")

PLATFORM = "teams"
# (messages, seconds) per bot per conversation, from Microsoft's published limits.
WINDOWS = ((7, 1.0), (60, 30.0))


class ConversationPacer:
    """Sliding-window limiter per conversation, so a burst to one chat stays within Teams' limits."""

    def __init__(self, windows: tuple[tuple[int, float], ...] = WINDOWS) -> None:
        self.windows = windows
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, conversation_id: str) -> None:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            longest = max(w for _, w in self.windows)
            while True:
                now = time.monotonic()
                sent = self._sent[conversation_id]
                while sent and now - sent[0] > longest:
                    sent.popleft()
                delay = 0.0
                for limit, window in self.windows:
                    recent = [t for t in sent if now - t < window]
                    if len(recent) >= limit:
                        delay = max(delay, window - (now - recent[-limit]))
                if delay <= 0:
                    sent.append(now)
                    return
                await asyncio.sleep(delay)


class TeamsAdapter:
    platform = PLATFORM

    def __init__(self, settings: Settings, *, engine: Any, connector: Connector | None = None,
                 pacer: ConversationPacer | None = None, installer: TeamsInstaller | None = None) -> None:
        """`engine` is the process's engine from the composition root; stored references are read through it."""
        self.settings = settings
        self.connector = connector or get_connector(self.settings)
        self.uow = UnitOfWork(engine)
        self.pacer = pacer or ConversationPacer()
        self.installer = installer or TeamsInstaller(settings)

    # ------------------------------------------------------------------ lookups
    def _stored_ref(self, *, user_id: str | None = None, email: str | None = None) -> dict | None:
        with self.uow.read() as tx:
            return stored_conversation(session=tx, platform=PLATFORM, workspace=self.settings.teams_tenant_id,
                                       user_id=user_id, email=email)

    async def find_user(self, *, email: str) -> dict | None:
        """A stored installation reference for this e-mail; else, with TEAMS_CATALOG_APP_ID set, install
        Tråd for the person with Graph and return the bot's chat with them (the worker remembers it).

        Graph's 429/5xx keep the outbox row pending (RetryLater); 403/404 mean «not reachable in Teams».
        """
        stored = await asyncio.to_thread(self._stored_ref, email=email)
        if stored is not None or not self.installer.enabled or not email:
            return stored
        try:
            reached = await self.installer.reach(email)
        except GraphError as exc:
            if exc.retryable:
                raise RetryLater(f"Graph answered {exc.status or 'nothing'}", after=exc.retry_after) from exc
            log.info("Tråd could not be installed for a recipient: %s", exc)
            return None
        return {"user_id": reached.user_id, "workspace": self.settings.teams_tenant_id,
                "conversation_ref": self.installer.conversation_ref(reached)}

    async def _where(self, recipient: Recipient) -> tuple[str, str]:
        """(serviceUrl, conversationId) for a recipient; creates the 1:1 chat when only the user is known."""
        ref = recipient.conversation_ref
        if not ref and recipient.target:
            found = await asyncio.to_thread(self._stored_ref, user_id=recipient.target)
            ref = found["conversation_ref"] if found else None
            if ref is None and self.settings.teams_leadership_conversation == recipient.target:
                raise Unreachable("the leadership conversation has no stored reference: install the app in the team")
        if not ref and recipient.user_id:
            found = await asyncio.to_thread(self._stored_ref, user_id=recipient.user_id)
            ref = found["conversation_ref"] if found else None
        if not ref:
            raise Unreachable("no Teams conversation reference: the app is not installed for this recipient")
        service_url = ref.get("serviceUrl") or ""
        conv_id = ref.get("conversationId")
        if not conv_id:
            user = ref.get("userId") or recipient.user_id
            tenant = ref.get("tenantId") or recipient.workspace or self.settings.teams_tenant_id
            if not (user and tenant):
                raise Unreachable("conversation reference lacks user and tenant")
            try:
                conv_id = await self.connector.create_conversation(service_url, user, tenant)
            except ConnectorError as exc:
                raise self._map(exc) from exc
        return service_url, conv_id

    # ------------------------------------------------------------------ deliver
    @staticmethod
    def _map(exc: ConnectorError) -> Exception:
        if isinstance(exc, HostNotAllowed):
            return PermanentFailure(str(exc))
        if exc.status == 0 or exc.status in (429, 412, 502, 504) or exc.status >= 500:
            return RetryLater(f"Teams answered {exc.status or 'nothing'}", after=exc.retry_after)
        if exc.status == 401:
            return RetryLater("Teams refused our token twice", after=60.0)
        if exc.status in (403, 404):
            return Unreachable(f"Teams answered {exc.status}: the bot cannot reach this conversation")
        return PermanentFailure(f"Teams refused the message: {exc}")

    async def deliver(self, *, recipient: Recipient, reply: Reply, previous_ref: dict | None,
                      dedupe_key: str) -> dict:
        service_url, conv_id = await self._where(recipient)
        activities = cards.reply_activities(reply, tz=self.settings.tz_name)
        previous_id = (previous_ref or {}).get("activity_id")
        ids: list[str] = []
        try:
            if previous_id and len(activities) == 1 and (previous_ref or {}).get("conversation_id") == conv_id:
                await self.pacer.wait(conv_id)
                await self.connector.update(service_url, conv_id, previous_id, activities[0])
                ids.append(previous_id)
            else:
                for activity in activities:
                    await self.pacer.wait(conv_id)
                    result = await self.connector.send(service_url, conv_id, activity)
                    ids.append(str(result.get("id") or ""))
        except ConnectorError as exc:
            if ids:
                log.warning("%s: %d of %d parts sent before %s", dedupe_key, len(ids), len(activities), exc)
            raise self._map(exc) from exc
        return {"platform": PLATFORM, "service_url": service_url, "conversation_id": conv_id,
                "activity_id": ids[0] if ids else None, "activity_ids": ids}
