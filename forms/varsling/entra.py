"""Microsoft Entra ID sign-in for varslingsmottakere: the msal authorization-code flow and id-token checks.

Why this module exists apart from the routes: msal (1.38+) no longer validates the id token it
returns (not its signature, audience, issuer nor expiry; only the nonce and, with PKCE, the
code). A recipient session opens access to whistleblowing cases, so the token is verified here
against the authority's published keys before the domain layer matches it to a person.

msal is synchronous and does network I/O: every function here is called in a worker thread.
It uses `requests`, which honours REQUESTS_CA_BUNDLE (how the tests trust their fake authority).
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

import jwt
import msal
import requests

from models.settings import Settings

MICROSOFT_HOSTS = {"login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn"}
LEEWAY = 120  # seconds of clock skew accepted on exp/nbf/iat, as msal does
JWKS_MIN_REFRESH = 300  # an unknown kid refetches the key set at most this often
# Discovery responses (OpenID configuration) cached across the short-lived msal apps, 24 h as msal does.
_HTTP_CACHE: dict = {}
_jwks: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks_lock = threading.Lock()


class EntraRefused(Exception):
    """The sign-in failed for a protocol reason; `reason` goes to the audit log, never the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def authority(settings: Settings, tenant_id: str | None = None) -> str:
    """The authority for one kommune's tenant: the configured one with its tenant segment replaced.

    Each kommune signs its recipients in through its own Entra tenant (issue 13); the configured
    authority names the default kommune's tenant, and its host (a sovereign cloud, the test fake) is kept.
    """
    base = (settings.varsling_entra_authority
            or f"https://login.microsoftonline.com/{settings.varsling_entra_tenant_id}").rstrip("/")
    if not tenant_id:
        return base
    head, _sep, _last = base.rpartition("/")
    return f"{head}/{tenant_id}"


def tenant(settings: Settings) -> str:
    """The tenant id tokens must carry: the configured one, else the authority's last path segment."""
    return settings.varsling_entra_tenant_id or urlsplit(authority(settings)).path.rstrip("/").rsplit("/", 1)[-1]


def redirect_uri(base_url: str) -> str:
    """Where Microsoft sends the browser back: the kommune's own address (`/k/<slug>/…` or its host)."""
    return base_url.rstrip("/") + "/varsling/mottak/entra/svar"


def _app(settings: Settings, tenant_id: str) -> msal.ConfidentialClientApplication:
    """A fresh msal app per sign-in leg, so no user's tokens linger in an in-memory msal cache."""
    auth = authority(settings, tenant_id)
    microsoft = urlsplit(auth).hostname in MICROSOFT_HOSTS
    return msal.ConfidentialClientApplication(
        settings.varsling_entra_client_id, client_credential=settings.varsling_entra_client_secret, authority=auth,
        # Instance discovery calls login.microsoftonline.com about the authority: wrong for any other host
        # (a sovereign cloud proxy, or the test fake), which then needs authority validation off as well.
        instance_discovery=None if microsoft else False, validate_authority=microsoft, http_cache=_HTTP_CACHE)


def start(settings: Settings, tenant_id: str, base_url: str) -> dict[str, Any]:
    """Begin the flow in the kommune's tenant: msal makes state, nonce and the PKCE verifier; returns the
    flow (with auth_uri)."""
    # No API scopes: sign-in only (openid profile are added by msal), so no Graph consent is asked for.
    return _app(settings, tenant_id).initiate_auth_code_flow(scopes=[], redirect_uri=redirect_uri(base_url))


def finish(settings: Settings, tenant_id: str, flow: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """Redeem the code (msal checks state, nonce, PKCE), then verify the id token; returns its claims."""
    try:
        result = _app(settings, tenant_id).acquire_token_by_auth_code_flow(flow, query)
    except ValueError as exc:  # state mismatch and other client-side checks ("usually CSRF", says msal)
        raise EntraRefused("state") from exc
    except RuntimeError as exc:  # nonce mismatch
        raise EntraRefused("nonce") from exc
    if "error" in result:
        raise EntraRefused("authority_error")
    token = result.get("id_token")
    if not token:
        raise EntraRefused("no_id_token")
    return verify_id_token(settings, tenant_id, token)


def _metadata(settings: Settings, tenant_id: str) -> dict[str, Any]:
    resp = requests.get(authority(settings, tenant_id) + "/v2.0/.well-known/openid-configuration", timeout=10)
    resp.raise_for_status()
    return resp.json()


def _key_set(jwks_uri: str, *, refresh: bool) -> dict[str, Any]:
    with _jwks_lock:
        cached = _jwks.get(jwks_uri)
        if cached and (not refresh or time.monotonic() - cached[0] < JWKS_MIN_REFRESH):
            return cached[1]
    resp = requests.get(jwks_uri, timeout=10)
    resp.raise_for_status()
    keys = {k["kid"]: k for k in resp.json().get("keys", []) if k.get("kid")}
    with _jwks_lock:
        _jwks[jwks_uri] = (time.monotonic(), keys)
    return keys


def verify_id_token(settings: Settings, tenant_id: str, token: str) -> dict[str, Any]:
    """Check signature (the authority's JWKS), audience (our client id), times and issuer; return the claims.

    The issuer must be the authority's issuer for the token's own `tid` (Entra's multi-tenant
    metadata writes it as `{tenantid}`): whether that tenant is *ours* is a domain rule, checked
    after this so the refusal can say so.
    """
    try:
        meta = _metadata(settings, tenant_id)
        kid = jwt.get_unverified_header(token).get("kid")
        keys = _key_set(meta["jwks_uri"], refresh=False)
        if kid not in keys:
            keys = _key_set(meta["jwks_uri"], refresh=True)
        if kid not in keys:
            raise EntraRefused("unknown_key")
        key = jwt.PyJWK.from_dict(keys[kid])
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=settings.varsling_entra_client_id,
                            leeway=LEEWAY, options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except EntraRefused:
        raise
    except jwt.ExpiredSignatureError as exc:
        raise EntraRefused("expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise EntraRefused("signature") from exc
    except (jwt.PyJWTError, KeyError, ValueError, requests.RequestException) as exc:
        raise EntraRefused("invalid_token") from exc
    tid = str(claims.get("tid") or "")
    issuer = str(meta.get("issuer") or "").replace("{tenantid}", tid)
    if tid and tenant_id and tenant_id in issuer:
        issuer = issuer.replace(tenant_id, tid)
    if not tid or claims.get("iss") != issuer:
        raise EntraRefused("issuer")
    return claims
