"""Installing Tråd in a person's personal scope with Microsoft Graph, so the bot can reach them.

Why: a Teams bot can only message people who have the app installed. With the application
permission TeamsAppInstallation.ReadWriteSelfForUser.All, Tråd installs itself
(`POST /users/{id}/teamwork/installedApps`) and finds the 1:1 chat with the person
(`GET …/installedApps/{id}/chat`), whose id is a conversation the Bot Connector accepts.
The token comes from msal client credentials of the bot's own app registration; msal is
built lazily (its constructor calls the authority) and runs in a thread (it is synchronous).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from bot.teams.connector import MICROSOFT_AUTHORITY_HOSTS
from models.settings import Settings

log = logging.getLogger("trad.teams.graph")

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class GraphError(Exception):
    """A non-2xx answer (or none) from Graph; `status` 0 is a network or token error."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status in (0, 429) or self.status >= 500


@dataclass(frozen=True)
class Reached:
    """A person with the app installed: their Entra object id and the bot's 1:1 chat with them."""

    user_id: str
    chat_id: str
    newly_installed: bool


class TeamsInstaller:
    """One per process; safe to share between the outbox worker and `trad teams install`."""

    def __init__(self, settings: Settings, tenant_id: str | None = None) -> None:
        self.settings = settings
        # the Entra tenant to install in (issue 13: one per kommune); TEAMS_TENANT_ID by default
        self.tenant_id = tenant_id or settings.teams_tenant_id or ""
        self.base = settings.graph_api_url.rstrip("/")
        self.catalog_id = settings.teams_catalog_app_id or ""
        self._msal: Any = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.settings.teams_enabled and self.catalog_id)

    # ------------------------------------------------------------------ token
    def _credentials(self) -> tuple[str | None, str | None, str]:
        """The `ENTRA_*` app when it is set (it holds the directory permissions), else the bot's own."""
        st = self.settings
        if st.entra_client_id and st.entra_client_secret and (st.entra_tenant_id or st.entra_authority):
            authority = st.entra_authority or f"https://login.microsoftonline.com/{st.entra_tenant_id}"
            return st.entra_client_id, st.entra_client_secret, authority.rstrip("/")
        return st.teams_app_id, st.teams_app_password, st.teams_authority_url

    def _token_sync(self) -> str:
        with self._lock:
            if self._msal is None:
                import msal

                client_id, secret, authority = self._credentials()
                for home in (self.settings.teams_tenant_id, self.settings.entra_tenant_id):
                    if home and self.tenant_id and self.tenant_id != home and home in authority:
                        authority = authority.replace(home, self.tenant_id)  # another mapped kommune's tenant
                extra: dict[str, Any] = {}
                if (urlsplit(authority).hostname or "").lower() not in MICROSOFT_AUTHORITY_HOSTS:
                    extra = {"instance_discovery": False, "validate_authority": False}
                self._msal = msal.ConfidentialClientApplication(
                    client_id, client_credential=secret, authority=authority, **extra)
        result = self._msal.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            raise GraphError(0, f"no Graph token: {result.get('error') if isinstance(result, dict) else result}",
                             retry_after=60.0)
        return str(token)

    async def _call(self, client: httpx.AsyncClient, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        token = await asyncio.to_thread(self._token_sync)
        try:
            resp = await client.request(method, self.base + path, json=body,
                                        headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise GraphError(0, f"network error: {exc.__class__.__name__}") from exc
        data: dict = {}
        if resp.content:
            try:
                parsed = resp.json()
                data = parsed if isinstance(parsed, dict) else {}
            except ValueError:
                data = {}
        if resp.status_code >= 300 and resp.status_code != 409:
            raw = resp.headers.get("Retry-After")
            after = float(raw) if raw and raw.replace(".", "", 1).isdigit() else None
            raise GraphError(resp.status_code, str((data.get("error") or {}).get("code") or resp.text[:200]), after)
        return resp.status_code, data

    # ------------------------------------------------------------------ operations
    async def reach(self, user: str) -> Reached:
        """Install the app for `user` (object id or UPN) unless it is there, and return the bot's chat with them.

        409 (already installed) is success. Raises GraphError for 403 (no permission, or the app
        is blocked by policy), 404 (no such user), 429/5xx (try later).
        """
        if not self.enabled:
            raise GraphError(0, "TEAMS_CATALOG_APP_ID is not set")
        async with httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0)) as client:
            _, who = await self._call(client, "GET", f"/users/{quote(user, safe='@')}?$select=id")
            oid = str(who.get("id") or "")
            if not oid:
                raise GraphError(404, "user without id")
            apps = f"/users/{quote(oid, safe='')}/teamwork/installedApps"
            bind = {"teamsApp@odata.bind": f"{self.base}/appCatalogs/teamsApps/{self.catalog_id}"}
            status, _ = await self._call(client, "POST", apps, bind)
            flt = quote(f"teamsApp/id eq '{self.catalog_id}'", safe="")
            _, found = await self._call(client, "GET", f"{apps}?$expand=teamsApp&$filter={flt}")
            installs = [v for v in found.get("value") or [] if isinstance(v, dict) and v.get("id")]
            if not installs:
                raise GraphError(503, "installation not visible yet", retry_after=30.0)
            _, chat = await self._call(client, "GET", f"{apps}/{quote(str(installs[0]['id']), safe='')}/chat")
        chat_id = str(chat.get("id") or "")
        if not chat_id:
            raise GraphError(503, "no chat for the installation yet", retry_after=30.0)
        log.info("Tråd %s for %s", "installed" if status != 409 else "already installed", oid)
        return Reached(user_id=oid, chat_id=chat_id, newly_installed=status != 409)

    def conversation_ref(self, reached: Reached) -> dict:
        """A stored-reference shape the Teams adapter can send to (the bot's 1:1 chat with the person)."""
        return {"serviceUrl": self.settings.teams_default_service_url, "conversationId": reached.chat_id,
                "conversationType": "personal", "tenantId": self.tenant_id,
                "aadObjectId": reached.user_id, "userId": None}
