"""Validation of the Bot Framework JWT on every incoming activity, as strictly as Microsoft's own service.

Why hand-written: PyJWT's `PyJWKClient` ignores the `endorsements` a Bot Framework JWK
carries, and the Agents SDK only warns on a serviceUrl mismatch. We read the OpenID
metadata and the JWKS JSON ourselves (httpx, honouring SSL_CERT_FILE), cache the keys,
refetch them when an unknown `kid` appears, and check every claim the channel relies on.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger("trad.teams.auth")

ISSUER = "https://api.botframework.com"
CHANNEL = "msteams"
MAX_SKEW_SECONDS = 300
KEYS_TTL_SECONDS = 24 * 3600


class AuthError(Exception):
    """Any reason to answer 401. The message is for logs only, never for the caller."""


class ServiceUrlNotAllowed(AuthError):
    """A correctly signed activity whose serviceUrl is not an allowed Bot Connector host: 403, so the
    sender knows we will not answer there (rather than a 200 and silence)."""


@dataclass
class _Key:
    public_key: Any
    endorsements: list[str]


def tenant_fields(activity: dict, claims: dict | None = None) -> list[object]:
    """Every tenant id the activity (and its token) names: channelData.tenant.id, conversation.tenantId, `tid`."""
    channel_data = activity.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    conversation = activity.get("conversation")
    found = [tenant.get("id") if isinstance(tenant, dict) else None,
             conversation.get("tenantId") if isinstance(conversation, dict) else None,
             (claims or {}).get("tid")]
    return [t for t in found if t is not None]


def activity_tenant(activity: dict) -> str | None:
    """The tenant an activity belongs to: channelData.tenant.id, else conversation.tenantId."""
    channel_data = activity.get("channelData") or {}
    tenant = (channel_data.get("tenant") or {}).get("id") if isinstance(channel_data, dict) else None
    return tenant or (activity.get("conversation") or {}).get("tenantId")


class BotFrameworkAuth:
    """Checks `Authorization: Bearer …` against the activity it came with."""

    def __init__(self, *, app_id: str, tenant_id: str, metadata_url: str,
                 refetch_cooldown: float = 30.0, allowed_hosts: list[str] | None = None,
                 multi_tenant: bool = False) -> None:
        self.app_id = app_id
        # multi-tenant (issue 13): any tenant whose fields agree passes here; the edge then refuses a
        # tenant no admin has mapped to a kommune (`models.services.teams_tenants`)
        self.multi_tenant = multi_tenant
        # Bot Connector hosts an activity's serviceUrl may name (TEAMS_SERVICE_URL_HOSTS); None: not checked here.
        self.allowed_hosts = allowed_hosts
        self.tenant_id = tenant_id
        self.metadata_url = metadata_url
        # An unknown kid triggers a refetch, but at most this often, so forged tokens
        # with random kids cannot make us hammer the metadata endpoint.
        self.refetch_cooldown = refetch_cooldown
        self._keys: dict[str, _Key] = {}
        self._fetched_at: float = 0.0

    async def _fetch_keys(self) -> None:
        async with httpx.AsyncClient(timeout=10.0) as client:
            meta = (await client.get(self.metadata_url)).raise_for_status().json()
            jwks_uri = meta.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
                raise AuthError("OpenID metadata has no https jwks_uri")
            jwks = (await client.get(jwks_uri)).raise_for_status().json()
        keys: dict[str, _Key] = {}
        for jwk in jwks.get("keys", []):
            kid = jwk.get("kid")
            if not kid or jwk.get("kty") != "RSA":
                continue
            try:
                public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
            except (ValueError, TypeError, jwt.InvalidKeyError):
                continue
            endorsements = jwk.get("endorsements") or []
            keys[kid] = _Key(public_key=public_key,
                             endorsements=[e for e in endorsements if isinstance(e, str)])
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> _Key:
        now = time.monotonic()
        stale = not self._keys or now - self._fetched_at > KEYS_TTL_SECONDS
        unknown = kid not in self._keys and now - self._fetched_at >= self.refetch_cooldown
        if stale or unknown:
            try:
                await self._fetch_keys()
            except (httpx.HTTPError, ValueError) as exc:
                if not self._keys:
                    raise AuthError(f"cannot load signing keys: {exc}") from exc
                log.warning("could not refresh Bot Framework keys: %s", exc)
        key = self._keys.get(kid)
        if key is None:
            raise AuthError("unknown signing key")
        return key

    async def verify_token(self, authorization: str | None) -> tuple[dict, list[str]]:
        """Step 1, before the body is even parsed: signature, algorithm, issuer, audience, times.

        Returns the claims and the signing key's endorsements for `check_activity`.
        """
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("no bearer token")
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthError(f"malformed token: {exc}") from exc
        if header.get("alg") != "RS256":
            raise AuthError("algorithm is not RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token has no kid")
        key = await self._key_for(kid)
        try:
            claims = jwt.decode(
                token, key.public_key, algorithms=["RS256"], audience=self.app_id, issuer=ISSUER,
                leeway=MAX_SKEW_SECONDS, options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"token rejected: {exc}") from exc
        return claims, key.endorsements

    def check_activity(self, claims: dict, endorsements: list[str], activity: dict) -> str:
        """Step 2: the token must belong to this very activity, from Teams, in our tenant; returns the tenant."""
        channel = activity.get("channelId")
        if channel != CHANNEL:
            raise AuthError("activity is not from Microsoft Teams")
        if channel not in endorsements:
            raise AuthError("signing key is not endorsed for msteams")
        service_url = activity.get("serviceUrl")
        if not isinstance(service_url, str) or not service_url or claims.get("serviceurl") != service_url:
            raise AuthError("serviceurl claim does not match the activity")
        tenants = tenant_fields(activity, claims)
        if not tenants or any(not isinstance(t, str) or t.lower() != str(tenants[0]).lower() for t in tenants):
            raise AuthError("the activity's tenant fields (channelData, conversation, token) disagree or are missing")
        if not self.multi_tenant and tenants[0] != self.tenant_id:
            raise AuthError("activity is from another tenant")
        if self.allowed_hosts is not None:
            parts = urlsplit(service_url)
            if parts.scheme != "https" or (parts.hostname or "").lower() not in self.allowed_hosts:
                raise ServiceUrlNotAllowed(f"serviceUrl host is not allowed: {parts.hostname}")
        return str(tenants[0]).lower()

    async def validate(self, authorization: str | None, activity: dict) -> dict:
        """Both steps at once; returns the verified claims or raises AuthError."""
        claims, endorsements = await self.verify_token(authorization)
        self.check_activity(claims, endorsements, activity)
        return claims
