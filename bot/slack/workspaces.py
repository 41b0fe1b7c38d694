"""Which kommune a Slack request belongs to, and the gate that keeps unmapped workspaces out.

Why a bolt middleware: it runs after bolt has authorised the request (so the workspace's own
token is on `context.client`) and before any listener, so no listener can store anything for a
workspace that serves no kommune yet. Such a request gets a polite «not connected yet» (an
ephemeral answer to a command, a DM answer to a DM) and nothing is stored: no event claim, no
identity, no record. The answer is cached for a minute per workspace, so `trad slack map` in
another process takes effect within that.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse

from models.i18n import _, use_locale
from models.services import slack_installs, tenants
from models.settings import Settings
from models.uow import UnitOfWork

log = logging.getLogger("trad.slack")
CACHE_S = 60.0
UNMAPPED_CACHE_S = 5.0  # an admin who just mapped a workspace tries it at once
REVOCATIONS = ("app_uninstalled", "tokens_revoked")


class Workspaces:
    """Workspace (team / Grid org) → kommune id, from the installations (OAuth) or the default kommune (one token)."""

    def __init__(self, settings: Settings, uow: UnitOfWork) -> None:
        self.settings = settings
        self.uow = uow
        self.oauth = settings.slack_oauth_enabled
        self._cache: dict[tuple[str, str], tuple[int | None, float]] = {}
        self._by_team: dict[str, int] = {}

    def cached(self, enterprise_id: str | None, team_id: str | None) -> tuple[bool, int | None]:
        """(known, kommune id) from the cache alone: the gate asks on the event loop, with no thread hop."""
        hit = self._cache.get((enterprise_id or "", team_id or ""))
        if hit and hit[1] > time.monotonic():
            return True, hit[0]
        return False, None

    def lookup(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> int | None:
        """The kommune id, or None for a workspace that waits for an admin (or never installed)."""
        key = (enterprise_id or "", team_id or "")
        known, org_id = self.cached(enterprise_id, team_id)
        if known:
            return org_id
        with self.uow.read() as tx:
            installed, org_id = slack_installs.org_of(session=tx, enterprise_id=enterprise_id, team_id=team_id,
                                                      is_enterprise_install=is_enterprise_install)
            if org_id is None and not installed and not self.oauth:
                org_id = tenants.resolve(tx, None, self.settings).id  # one token: the default kommune
        self._cache[key] = (org_id, time.monotonic() + (CACHE_S if org_id is not None else UNMAPPED_CACHE_S))
        if org_id is not None and team_id:
            self._by_team[team_id] = org_id
        return org_id

    def org_for_team(self, team_id: str) -> int | None:
        """The kommune of a workspace the gate has let through (for linking a person in the right kommune)."""
        if team_id in self._by_team:
            return self._by_team[team_id]
        return self.lookup(None, team_id, False)


def not_connected_text() -> str:
    return _("Tråd er installert i dette Slack-arbeidsområdet, men er ikke koblet til en kommune ennå, så jeg kan "
             "ikke hjelpe deg her. Ingenting av det du skrev er lagret. Be Tråd-administratoren i kommunen koble "
             "arbeidsområdet til.")


def gate(workspaces: Workspaces, run: Callable[..., Awaitable[Any]],
         background: Callable[[Awaitable[Any], str], None]) -> Callable[..., Awaitable[Any]]:
    """The bolt middleware: let requests from a mapped workspace through, answer the others politely."""

    async def trad_workspace_gate(body: dict, context: Any, next: Callable[[], Awaitable[Any]]) -> Any:  # noqa: A002
        if (body.get("event") or {}).get("type") in REVOCATIONS:
            return await next()  # a workspace that leaves is forgotten whether or not it was mapped
        known, org_id = workspaces.cached(context.enterprise_id, context.team_id)
        if not known:  # a thread only for a database read (once a minute per workspace)
            org_id = await run(workspaces.lookup, context.enterprise_id, context.team_id, context.is_enterprise_install)
        if org_id is not None:
            context["trad_org_id"] = org_id
            return await next()
        log.info("Slack request from an unmapped workspace %s/%s: answered, nothing stored",
                 context.enterprise_id, context.team_id)
        with use_locale(None, None, workspaces.settings.default_locale):
            text = not_connected_text()
        if body.get("command"):
            return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}),
                                headers={"Content-Type": "application/json"})
        event = body.get("event") or {}
        if (event.get("type") == "message" and event.get("channel_type") == "im" and not event.get("bot_id")
                and not event.get("subtype") and context.client is not None):
            background(context.client.chat_postMessage(channel=event["channel"], text=text), "not connected")
        return BoltResponse(status=200, body="")

    return trad_workspace_gate
