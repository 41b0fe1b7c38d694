"""Reading users and their managers from Microsoft Graph: msal client credentials, httpx, delta queries.

Why it reads everything before anything is applied: a Graph error on page 7 must leave the
organisation exactly as it was, so the pages are gathered in memory first and the domain
applies them in one transaction. Throttling (429) and passing server errors (5xx) are retried a
bounded number of times, honouring Retry-After; 401 and 403 stop at once with what to fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from models.services.org_sync import DirectoryUser
from models.settings import Settings

MICROSOFT_HOSTS = {"login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn"}
SELECT = "id,mail,displayName,department,accountEnabled,manager"
MAX_ATTEMPTS = 5  # per request: the first try and four retries
MAX_WAIT = 120.0  # seconds; a longer Retry-After is cut to this
MAX_PAGES = 10_000


class GraphError(Exception):
    """Graph or the sign-in failed; `message` (Norwegian) says what happened and what to check."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class DirectoryRead:
    users: list[DirectoryUser]
    delta_link: str
    full: bool  # True when this read started from the beginning rather than a stored delta link


def authority(settings: Settings) -> str:
    return (settings.entra_authority or f"https://login.microsoftonline.com/{settings.entra_tenant_id}").rstrip("/")


def scope(settings: Settings) -> str:
    """Application permissions are asked for as the API's root plus /.default."""
    parts = urlsplit(settings.graph_api_url)
    return f"{parts.scheme}://{parts.netloc}/.default"


class GraphClient:
    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.sleep = sleep
        self.http = http or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0))
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    def token(self) -> str:
        if self._token is None:
            import msal

            auth = authority(self.settings)
            microsoft = urlsplit(auth).hostname in MICROSOFT_HOSTS
            try:
                app = msal.ConfidentialClientApplication(
                    self.settings.entra_client_id, client_credential=self.settings.entra_client_secret, authority=auth,
                    instance_discovery=None if microsoft else False, validate_authority=microsoft)
                result: Any = app.acquire_token_for_client(scopes=[scope(self.settings)])
            except (ValueError, OSError) as exc:  # authority unreachable or not an authority (msal raises ValueError)
                raise GraphError(f"Fikk ikke kontakt med Entra ID ({auth}): {type(exc).__name__}.") from exc
            token = result.get("access_token") if isinstance(result, dict) else None
            if not token:
                code = result.get("error") if isinstance(result, dict) else "ukjent"
                raise GraphError(f"Entra ID ga ingen tilgangsnøkkel ({code}). Sjekk ENTRA_TENANT_ID, ENTRA_CLIENT_ID "
                                 "og ENTRA_CLIENT_SECRET (utløpt hemmelighet?).", status=401)
            self._token = token
        return self._token

    def get(self, url: str) -> dict[str, Any]:
        """One GET, retried on 429 and 5xx up to MAX_ATTEMPTS; the JSON body, or GraphError."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                resp = self.http.get(url, headers={"Authorization": f"Bearer {self.token()}",
                                                   "Accept": "application/json"})
            except httpx.HTTPError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise GraphError(f"Microsoft Graph svarer ikke ({type(exc).__name__}) etter {attempt} forsøk.") from exc
                self.sleep(_backoff(attempt))
                continue
            if resp.status_code == 401 and attempt == 1:  # the token may have expired during a long read
                self._token = None
                continue
            if resp.status_code == 429 or resp.status_code >= 500:
                if attempt == MAX_ATTEMPTS:
                    what = "struper forespørslene (429)" if resp.status_code == 429 else f"svarer med feil ({resp.status_code})"
                    raise GraphError(f"Microsoft Graph {what} etter {attempt} forsøk. Ingenting er endret; prøv igjen "
                                     "senere.", status=resp.status_code)
                self.sleep(_retry_after(resp) or _backoff(attempt))
                continue
            return _body(resp)
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, delta_link: str | None) -> DirectoryRead:
        """Every page of a delta round: from the stored delta link, or from the start when there is none (or it expired)."""
        start = f"{self.settings.graph_api_url.rstrip('/')}/users/delta?$select={SELECT}"
        url, full = delta_link or start, delta_link is None
        users: list[DirectoryUser] = []
        for _ in range(MAX_PAGES):
            try:
                page = self.get(url)
            except GraphError as exc:
                if exc.status == 410 and not full:  # the delta link expired: Graph asks for a full read
                    url, full, users = start, True, []
                    continue
                raise
            users += [_user(raw) for raw in _values(page)]
            if isinstance(page.get("@odata.nextLink"), str):
                url = page["@odata.nextLink"]
            elif isinstance(page.get("@odata.deltaLink"), str):
                return DirectoryRead(users=_merge(users), delta_link=page["@odata.deltaLink"], full=full)
            else:
                raise GraphError("Microsoft Graph sendte en side uten @odata.nextLink eller @odata.deltaLink. "
                                 "Ingenting er endret.")
        raise GraphError(f"Microsoft Graph sendte mer enn {MAX_PAGES} sider. Ingenting er endret.")


def _backoff(attempt: int) -> float:
    return float(min(MAX_WAIT, 2 ** (attempt - 1)))


def _retry_after(resp: httpx.Response) -> float | None:
    try:
        return min(MAX_WAIT, max(0.0, float(resp.headers.get("Retry-After", ""))))
    except ValueError:
        return None


def _body(resp: httpx.Response) -> dict[str, Any]:
    status = resp.status_code
    if status == 401:
        raise GraphError("Microsoft Graph avviste tilgangsnøkkelen (401). Sjekk ENTRA_TENANT_ID, ENTRA_CLIENT_ID og "
                         "ENTRA_CLIENT_SECRET. Ingenting er endret.", status=401)
    if status == 403:
        raise GraphError("Microsoft Graph nektet tilgang (403): appen trenger applikasjonstillatelsen User.Read.All "
                         "med administratorsamtykke. Ingenting er endret.", status=403)
    if status == 410:
        raise GraphError("Delta-lenken er utløpt (410).", status=410)
    if status != 200:
        raise GraphError(f"Microsoft Graph svarte {status}. Ingenting er endret.", status=status)
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise GraphError("Microsoft Graph sendte en ødelagt side (ikke JSON). Ingenting er endret.")
    return body


def _values(page: dict[str, Any]) -> list[dict[str, Any]]:
    values = page.get("value")
    if not isinstance(values, list) or not all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in values):
        raise GraphError("Microsoft Graph sendte en ødelagt side (mangler «value» med brukere). Ingenting er endret.")
    return values


def _user(raw: dict[str, Any]) -> DirectoryUser:
    """A user from a delta page; a property absent from the page stays None (unchanged)."""
    manager: str | None = None
    refs = raw.get("manager@delta", raw.get("manager"))
    if isinstance(refs, dict):
        refs = [refs]
    if isinstance(refs, list):
        live = [r for r in refs if isinstance(r, dict) and "@removed" not in r and isinstance(r.get("id"), str)]
        manager = live[-1]["id"] if live else ""
    mail = raw.get("mail") if "mail" in raw else None
    enabled = raw.get("accountEnabled")
    return DirectoryUser(
        object_id=raw["id"], mail=mail if isinstance(mail, str) else None,
        display_name=raw.get("displayName") if isinstance(raw.get("displayName"), str) else None,
        department=raw["department"] or "" if "department" in raw else None,
        account_enabled=enabled if isinstance(enabled, bool) else None,
        manager_id=manager, removed="@removed" in raw)


def _merge(users: list[DirectoryUser]) -> list[DirectoryUser]:
    """A user may appear on several pages of one round (Graph sends properties in pieces): merge them in order."""
    merged: dict[str, DirectoryUser] = {}
    for u in users:
        old = merged.get(u.object_id)
        if old is None or u.removed:
            merged[u.object_id] = u
            continue
        merged[u.object_id] = DirectoryUser(
            object_id=u.object_id, mail=u.mail if u.mail is not None else old.mail,
            display_name=u.display_name if u.display_name is not None else old.display_name,
            department=u.department if u.department is not None else old.department,
            account_enabled=u.account_enabled if u.account_enabled is not None else old.account_enabled,
            manager_id=u.manager_id if u.manager_id is not None else old.manager_id, removed=False)
    return list(merged.values())
