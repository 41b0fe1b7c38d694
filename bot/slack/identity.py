"""Who is this Slack user? Matched to a person by the e-mail from `users.info`, cached.

The match is stored as a ChatIdentity (so the outbox can reach the person later) and
kept in a short in-process cache, so a busy user costs no Web API call and no query.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from models.errors import DomainError
from models.i18n import _
from models.services import chat_identity, identity
from models.uow import UnitOfWork

log = logging.getLogger("trad.slack")
PLATFORM = "slack"
CACHE_SECONDS = 120.0


class IdentityResolver:
    def __init__(self, uow: UnitOfWork, *, org_for_team: Callable[[str], int | None] | None = None) -> None:
        self.uow = uow
        # the kommune a workspace serves (bot/slack/workspaces.py): a new person is looked up only there
        self.org_for_team = org_for_team
        self._cache: dict[tuple[str, str], tuple[int, float]] = {}
        # Slack's locale per user (users.info include_locale): the first guess at their language, never stored
        self._locales: dict[tuple[str, str], str | None] = {}
        self.runner: Callable[..., Awaitable[Any]] | None = None  # the edge's bounded pool; asyncio's default otherwise

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await (self.runner(fn, *args) if self.runner else asyncio.to_thread(fn, *args))

    def cached(self, team_id: str, user_id: str) -> int | None:
        hit = self._cache.get((team_id, user_id))
        if hit and hit[1] > time.monotonic():
            return hit[0]
        return None

    def _lookup(self, team_id: str, user_id: str) -> int | None:
        with self.uow.read() as tx:
            return identity.person_for_identity(session=tx, platform=PLATFORM, workspace=team_id, user_id=user_id)

    def _link(self, team_id: str, user_id: str, email: str | None) -> int | None:
        org_id = self.org_for_team(team_id) if self.org_for_team is not None else None
        with self.uow.write() as tx:
            try:
                return identity.link_identity(session=tx, platform=PLATFORM, workspace=team_id, user_id=user_id,
                                              email=email, conversation_ref={"user_id": user_id}, org_id=org_id)
            except DomainError:
                return None

    async def known(self, team_id: str, user_id: str) -> int | None:
        """The person if already linked; never calls Slack (used where nothing may be stored)."""
        pid = self.cached(team_id, user_id)
        if pid is None:
            pid = await self._run(self._lookup, team_id, user_id)
            if pid is not None:
                self._cache[(team_id, user_id)] = (pid, time.monotonic() + CACHE_SECONDS)
        return pid

    async def resolve(self, client: AsyncWebClient, team_id: str, user_id: str) -> int | None:
        """The person behind the Slack user, or None when nobody in Tråd has their e-mail."""
        pid = await self.known(team_id, user_id)
        if pid is not None:
            if (team_id, user_id) not in self._locales:
                await self._learn_locale(client, team_id, user_id)
            return pid
        try:
            info = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as e:
            if slack_error(e) in ("user_not_found", "users_not_found", "account_inactive"):
                return None
            raise  # a transient failure is not an unknown user: let the caller fail (and Slack retry)
        user = info.get("user") or {}
        if user.get("is_bot") or user.get("deleted"):
            return None
        self._locales[(team_id, user_id)] = user.get("locale")
        email = (user.get("profile") or {}).get("email")
        pid = await self._run(self._link, team_id, user_id, email)
        if pid is not None:
            self._cache[(team_id, user_id)] = (pid, time.monotonic() + CACHE_SECONDS)
        return pid

    async def _learn_locale(self, client: AsyncWebClient, team_id: str, user_id: str) -> None:
        """A person linked before this process started: ask Slack once for their locale (best effort)."""
        self._locales[(team_id, user_id)] = None
        try:
            info = await client.users_info(user=user_id, include_locale=True)
            self._locales[(team_id, user_id)] = (info.get("user") or {}).get("locale")
        except Exception:  # noqa: BLE001 - without Slack's guess the person's own choice or the kommune's applies
            log.info("users.info for the locale failed; using the kommune's language")

    def locale(self, team_id: str, user_id: str) -> str | None:
        """Slack's locale for the user (e.g. «en-US»), if known: the platform's guess at their language."""
        return self._locales.get((team_id, user_id))

    def forget(self, team_id: str, user_id: str) -> None:
        self._cache.pop((team_id, user_id), None)

    def slack_users_for(self, person_id: int) -> list[tuple[str, str]]:
        """(team, user) pairs of a person's linked Slack accounts, to refresh their App Home."""
        with self.uow.read() as tx:
            return chat_identity.accounts_of(session=tx, person_id=person_id, platform=PLATFORM)

    def admin_names(self, team_id: str = "") -> list[str]:
        """Whom an unknown user should contact: the Tråd administrators of the workspace's kommune."""
        org_id = self.org_for_team(team_id) if self.org_for_team is not None and team_id else None
        with self.uow.read() as tx:
            return chat_identity.admin_names(session=tx, org_id=org_id)


def slack_error(e: SlackApiError) -> str:
    """The `error` code of a failed Web API call, also when the body was not JSON."""
    data = getattr(e.response, "data", None)
    return str(data.get("error") or "") if isinstance(data, dict) else f"http_{getattr(e.response, 'status_code', '?')}"


def unknown_user_text(admins: list[str]) -> str:
    who = _(" eller ").join(admins) if admins else _("Tråd-administratoren i kommunen")
    return _("Hei! Jeg finner deg ikke blant de ansatte i Tråd, så jeg kan ikke hjelpe deg ennå. "
             "Ta kontakt med {who}, så blir du lagt til med e-postadressen du bruker i Slack.").format(who=who)
