"""Which bot token the outbox sends with, when Tråd is installed in many workspaces.

Why a cache: a fan-out to 1,000 leaders would otherwise decrypt the same installation 1,000
times. Tokens are kept a minute in process memory only (never logged); a workspace that
uninstalled Tråd answers `Unreachable` with the reason (within the minute), and a re-install is
picked up within the minute.
"""

from __future__ import annotations

import asyncio
import time

from slack_sdk.web.async_client import AsyncWebClient

from models.services import slack_installs
from models.settings import Settings
from models.uow import UnitOfWork
from notifications.base import Unreachable

CACHE_S = 60.0


class TokenSource:
    def __init__(self, settings: Settings, uow: UnitOfWork) -> None:
        self.secret_key = settings.secret_key or ""
        self.uow = uow
        self._tokens: dict[tuple[str | None, int | None], tuple[str | None, str | None, float]] = {}
        self._clients: dict[str, AsyncWebClient] = {}

    def _lookup(self, workspace: str | None, org_id: int | None) -> tuple[str | None, str | None]:
        """(token, None), or (None, why) when the workspace uninstalled Tråd."""
        with self.uow.read() as tx:
            try:
                return slack_installs.token_for(session=tx, team_id=workspace, org_id=org_id,
                                                secret_key=self.secret_key), None
            except slack_installs.Uninstalled as exc:
                return None, str(exc)

    async def token(self, *, workspace: str | None, org_id: int | None) -> str | None:
        """The token to send with; None when there is no installation; Unreachable when it was uninstalled."""
        key = (workspace or None, org_id)
        hit = self._tokens.get(key)
        if hit and hit[2] > time.monotonic():
            token, gone = hit[0], hit[1]
        else:
            token, gone = await asyncio.to_thread(self._lookup, workspace or None, org_id)
            self._tokens[key] = (token, gone, time.monotonic() + CACHE_S)
        if gone:
            raise Unreachable(gone)
        return token

    def client(self, token: str, like: AsyncWebClient) -> AsyncWebClient:
        """One client per token, sharing the base URL (and HTTP session) of the process's client."""
        found = self._clients.get(token)
        if found is None:
            found = AsyncWebClient(token=token, base_url=like.base_url, session=like.session)
            self._clients[token] = found
        elif found.session is not like.session:  # the process's session was renewed (a new event loop)
            found.session = like.session
        return found
