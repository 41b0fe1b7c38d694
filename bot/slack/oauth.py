"""Many Slack workspaces (issue 13): bolt's OAuth install flow with its stores in Tråd's own database.

`/slack/install` and `/slack/oauth_redirect` are bolt's (`AsyncOAuthSettings`); the installation store
and the state store below are bolt's interfaces over `models.services.slack_installs`, so tokens are
kept encrypted (`token_box`) in the same database as everything else. Events, commands and actions are
authorised with bolt's `AsyncInstallationStoreAuthorize` (each workspace's own token; `auth.test`
once per token per process). The install page says whether the workspace serves a kommune yet, or
waits for an admin (`trad slack map --team T… --org SLUG`). bolt's token revocation listeners
(`app_uninstalled`, `tokens_revoked`) call the store's delete, which forgets the workspace's tokens.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
from typing import Any

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from models.i18n import _, current_locale, use_locale
from models.services import slack_installs
from models.settings import Settings
from models.uow import UnitOfWork

log = logging.getLogger("trad.slack.oauth")
STATE_TTL_S = 600


class DbInstallationStore(AsyncInstallationStore):
    """bolt's InstallationStore over `slack_installs` (one row per workspace or Grid org, tokens encrypted)."""

    def __init__(self, uow: UnitOfWork, secret_key: str) -> None:
        self.uow = uow
        self.secret_key = secret_key
        self.last_saved: dict[str, slack_installs.InstallInfo] = {}

    @property
    def logger(self) -> logging.Logger:
        return log

    def _save(self, data: dict[str, Any]) -> slack_installs.InstallInfo:
        with self.uow.write() as tx:
            return slack_installs.save_installation(session=tx, data=data, secret_key=self.secret_key)

    async def async_save(self, installation: Installation) -> None:
        data = installation.to_dict()
        data["bot_scopes"] = installation.bot_scopes
        data["installed_at"] = installation.installed_at
        data["bot_token_expires_at"] = installation.bot_token_expires_at
        info = await asyncio.to_thread(self._save, data)
        self.last_saved[info.workspace_key] = info

    async def async_save_bot(self, bot: Bot) -> None:
        return None  # the installation holds the bot; nothing else to keep

    def _find(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Any:
        with self.uow.read() as tx:
            return slack_installs.find_installation(session=tx, enterprise_id=enterprise_id, team_id=team_id,
                                                    is_enterprise_install=is_enterprise_install,
                                                    secret_key=self.secret_key)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        if user_id is not None:
            return None  # only bot installations are kept (no user tokens)
        data = await asyncio.to_thread(self._find, enterprise_id, team_id, is_enterprise_install)
        if data is None:
            return None
        return Installation(**{k: v for k, v in data.items() if v is not None or k in ("team_id", "enterprise_id")})

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        inst = await self.async_find_installation(enterprise_id=enterprise_id, team_id=team_id,
                                                  is_enterprise_install=is_enterprise_install)
        return inst.to_bot() if inst is not None and inst.bot_token else None

    def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        with self.uow.write() as tx:
            gone = slack_installs.delete_installation(session=tx, enterprise_id=enterprise_id, team_id=team_id,
                                                      secret_key=self.secret_key)
        if gone:
            log.info("Slack workspace %s/%s uninstalled Tråd: its tokens are forgotten", enterprise_id, team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        if user_id is None:
            await asyncio.to_thread(self._delete, enterprise_id, team_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self._delete, enterprise_id, team_id)


class DbStateStore(AsyncOAuthStateStore):
    """bolt's OAuthStateStore: one-time, expiring `state` values in the database (any web worker may
    serve the redirect, so an in-process store would not do)."""

    def __init__(self, uow: UnitOfWork, ttl_s: int = STATE_TTL_S) -> None:
        self.uow = uow
        self.ttl_s = ttl_s

    @property
    def logger(self) -> logging.Logger:
        return log

    def _issue(self, state: str) -> None:
        with self.uow.write() as tx:
            slack_installs.issue_state(session=tx, state=state, ttl_s=self.ttl_s)

    def _consume(self, state: str) -> bool:
        with self.uow.write() as tx:
            return slack_installs.consume_state(session=tx, state=state)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        await asyncio.to_thread(self._issue, state)
        return state

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self._consume, state)


def _page(title: str, body: str, status: int = 200) -> BoltResponse:
    doc = (f'<!doctype html><html lang="{current_locale()}"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
           f'</head><body><main><h1>{html.escape(title)}</h1><p>{body}</p></main></body></html>')
    return BoltResponse(status=status, body=doc, headers={"Content-Type": "text/html; charset=utf-8"})


def _callbacks(store: DbInstallationStore, default_locale: str) -> AsyncCallbackOptions:
    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        inst = args.installation
        key = slack_installs.workspace_key(enterprise_id=inst.enterprise_id, team_id=inst.team_id,
                                           is_enterprise_install=inst.is_enterprise_install)
        info = store.last_saved.pop(key, None)
        name = html.escape(inst.team_name or inst.enterprise_name or key)
        with use_locale(None, None, default_locale):
            if info is not None and info.org_name:
                return _page(_("Tråd er installert"), _("Tråd er installert i {workspace} og svarer for {org}.")
                             .format(workspace=name, org=html.escape(info.org_name)))
            return _page(_("Venter på en administrator"),
                         _("Tråd er installert i {workspace}, men arbeidsområdet er ikke koblet til en kommune ennå. "
                           "Tråd svarer ikke og lagrer ingenting herfra før en Tråd-administrator har koblet det til "
                           "(«trad slack map --team {key} --org KORTNAVN»).")
                         .format(workspace=name, key=html.escape(key)))

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        log.info("Slack install failed: %s", args.reason)
        with use_locale(None, None, default_locale):
            return _page(_("Installasjonen ble ikke fullført"),
                         _("Slack-installasjonen ble avbrutt eller lenken var utløpt. Start på nytt fra "
                           "installasjonssiden."), status=min(max(args.suggested_status_code, 400), 499))

    return AsyncCallbackOptions(success=success, failure=failure)


def oauth_parts(settings: Settings, uow: UnitOfWork) -> tuple[AsyncOAuthSettings, DbInstallationStore,
                                                              AsyncInstallationStoreAuthorize]:
    """What `build_slack_app` passes to bolt when SLACK_CLIENT_ID/SECRET are set."""
    store = DbInstallationStore(uow, settings.secret_key or "")
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
        scopes=[s.strip() for s in settings.slack_scopes.split(",") if s.strip()],
        redirect_uri=settings.public_base_url.rstrip("/") + "/slack/oauth_redirect",
        install_path="/slack/install", redirect_uri_path="/slack/oauth_redirect",
        installation_store=store, installation_store_bot_only=True, state_store=DbStateStore(uow),
        callback_options=_callbacks(store, settings.default_locale), logger=log)
    authorize = AsyncInstallationStoreAuthorize(installation_store=store, client_id=settings.slack_client_id,
                                                client_secret=settings.slack_client_secret, logger=log,
                                                bot_only=True, cache_enabled=True)
    return oauth, store, authorize
