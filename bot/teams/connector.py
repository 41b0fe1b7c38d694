"""A thin Bot Connector REST client: msal for the token, httpx for the calls, an allowlist for hosts.

Why not botbuilder: it is archived. This client does only what Tråd needs (send,
update, create a 1:1 conversation, look up a member) and leaves retries and pacing
to its callers: the edge retries a little inline, the outbox worker owns the rest.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from models.settings import Settings

log = logging.getLogger("trad.teams.connector")

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
MICROSOFT_AUTHORITY_HOSTS = ("login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn")


class ConnectorError(Exception):
    """A non-2xx answer (or no answer) from the Bot Connector."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status  # 0 means a network error
        self.retry_after = retry_after


class HostNotAllowed(ConnectorError):
    def __init__(self, url: str) -> None:
        super().__init__(403, f"service URL host not allowed: {urlsplit(url).hostname}")


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


class Connector:
    """One per process. Safe to share between the web edge and the outbox worker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._msal: Any = None
        self._msal_lock = threading.Lock()
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = {}

    # ------------------------------------------------------------------ token
    def _app(self) -> Any:
        """Build msal lazily: its constructor calls the authority's OpenID configuration."""
        with self._msal_lock:
            if self._msal is None:
                import msal

                authority = self.settings.teams_authority_url
                host = (urlsplit(authority).hostname or "").lower()
                extra: dict[str, Any] = {}
                if host not in MICROSOFT_AUTHORITY_HOSTS:
                    extra = {"instance_discovery": False, "validate_authority": False}
                self._msal = msal.ConfidentialClientApplication(
                    self.settings.teams_app_id, client_credential=self.settings.teams_app_password,
                    authority=authority, **extra)
            return self._msal

    def _token_sync(self) -> str:
        result = self._app().acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            err = result.get("error_description") or result.get("error") if isinstance(result, dict) else result
            raise ConnectorError(0, f"no token from Entra ID: {err}", retry_after=30.0)
        return token

    async def token(self) -> str:
        return await asyncio.to_thread(self._token_sync)

    async def drop_token(self) -> None:
        def _drop() -> None:
            app = self._app()
            app.remove_tokens_for_client()

        await asyncio.to_thread(_drop)

    # ------------------------------------------------------------------ http
    def _client(self) -> httpx.AsyncClient:
        """One pooled client per event loop (tests and the worker may run their own loops)."""
        loop = asyncio.get_running_loop()
        entry = self._clients.get(id(loop))
        if entry is None or entry[0] is not loop or entry[1].is_closed:
            for key, (other, _client) in list(self._clients.items()):
                if other.is_closed():
                    del self._clients[key]
            entry = (loop, httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0)))
            self._clients[id(loop)] = entry
        return entry[1]

    def check_host(self, service_url: str) -> str:
        parts = urlsplit(service_url or "")
        if parts.scheme != "https" or (parts.hostname or "").lower() not in self.settings.teams_allowed_hosts:
            raise HostNotAllowed(service_url)
        return service_url.rstrip("/")

    async def request(self, method: str, service_url: str, path: str, body: dict | None = None) -> dict:
        """Call the connector; one token refresh after a 401; raise ConnectorError otherwise."""
        base = self.check_host(service_url)
        url = base + path
        for attempt in (1, 2):
            token = await self.token()
            try:
                resp = await self._client().request(method, url, json=body,
                                                    headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError as exc:
                raise ConnectorError(0, f"network error: {exc.__class__.__name__}") from exc
            if resp.status_code == 401 and attempt == 1:
                log.info("connector said 401: refreshing the token once")
                await self.drop_token()
                continue
            if resp.status_code >= 300:
                raise ConnectorError(resp.status_code, resp.text[:300], _retry_after(resp))
            if not resp.content:
                return {}
            try:
                data = resp.json()
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {"result": data}
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ operations
    async def send(self, service_url: str, conversation_id: str, activity: dict,
                   reply_to_id: str | None = None) -> dict:
        path = f"/v3/conversations/{quote(conversation_id, safe='')}/activities"
        if reply_to_id:
            path += f"/{quote(reply_to_id, safe='')}"
        return await self.request("POST", service_url, path, activity)

    async def update(self, service_url: str, conversation_id: str, activity_id: str, activity: dict) -> dict:
        path = f"/v3/conversations/{quote(conversation_id, safe='')}/activities/{quote(activity_id, safe='')}"
        return await self.request("PUT", service_url, path, {**activity, "id": activity_id})

    async def create_conversation(self, service_url: str, user_id: str, tenant_id: str) -> str:
        """Open (or find) the 1:1 chat with a user who has the app installed; returns its id."""
        body = {
            "bot": {"id": f"28:{self.settings.teams_app_id}"},
            "members": [{"id": user_id}],
            "channelData": {"tenant": {"id": tenant_id}},
            "tenantId": tenant_id,
            "isGroup": False,
        }
        data = await self.request("POST", service_url, "/v3/conversations", body)
        conv_id = data.get("id")
        if not conv_id:
            raise ConnectorError(502, "createConversation returned no id")
        return str(conv_id)

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> dict:
        path = f"/v3/conversations/{quote(conversation_id, safe='')}/members/{quote(user_id, safe='')}"
        return await self.request("GET", service_url, path)

    async def aclose(self) -> None:
        for loop, client in list(self._clients.values()):
            if not loop.is_closed() and loop is asyncio.get_running_loop():
                await client.aclose()
        self._clients.clear()


_shared: dict[tuple[str | None, str | None, str], Connector] = {}


def get_connector(settings: Settings) -> Connector:
    """One connector (and so one msal token cache) per app registration in this process."""
    key = (settings.teams_app_id, settings.teams_authority_url, settings.teams_service_url_hosts)
    if key not in _shared:
        _shared[key] = Connector(settings)
    return _shared[key]
