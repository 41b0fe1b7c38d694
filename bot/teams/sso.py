"""Validation of the Teams SSO token the personal tab gets from `authentication.getAuthToken`.

The token is an Entra ID access token for our own app. It is checked as strictly as the
bot's tokens: RS256 with a key from the tenant's JWKS (OpenID metadata → `jwks_uri`, read
with PyJWT's `PyJWKClient`, which caches keys and refetches on an unknown `kid`); issuer =
the tenant's (v2 `…/{tenant}/v2.0` from the metadata, or v1 `https://sts.windows.net/{tenant}/`);
audience = the Application ID URI (`api://…/<app id>`) or the app id; `tid` = our tenant;
`exp`/`nbf`/`iat` with five minutes' skew. Endorsements do not exist for Entra keys, so
`PyJWKClient` is enough here (unlike for Bot Framework keys).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import httpx
import jwt

from models.settings import Settings

log = logging.getLogger("trad.teams.sso")
MAX_SKEW_SECONDS = 300
MAX_TOKEN_CHARS = 8000


class SsoError(Exception):
    """Any reason to refuse the token. The message is for logs only."""


@dataclass(frozen=True)
class SsoUser:
    """Who the token is for: the Entra object id and the names that may be their e-mail."""

    oid: str
    names: tuple[str, ...]


def metadata_url(settings: Settings) -> str:
    return settings.teams_sso_metadata_url or (
        f"https://login.microsoftonline.com/{settings.teams_tenant_id}/v2.0/.well-known/openid-configuration")


class TabTokenValidator:
    """One per process: caches the metadata and the key client."""

    def __init__(self, settings: Settings, *, audiences: list[str]) -> None:
        self.tenant = settings.teams_tenant_id or ""
        self.metadata_url = metadata_url(settings)
        self.audiences = [a for a in audiences if a]
        self._issuers: list[str] = []
        self._keys: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def _load(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._keys is None:
                try:
                    meta = httpx.get(self.metadata_url, timeout=10.0).raise_for_status().json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise SsoError(f"cannot read the OpenID metadata: {exc}") from exc
                jwks_uri, issuer = meta.get("jwks_uri"), meta.get("issuer")
                if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://") or not isinstance(issuer, str):
                    raise SsoError("OpenID metadata has no https jwks_uri or no issuer")
                self._issuers = [issuer.replace("{tenantid}", self.tenant), f"https://sts.windows.net/{self.tenant}/"]
                self._keys = jwt.PyJWKClient(jwks_uri, cache_keys=True, lifespan=24 * 3600, timeout=10)
            return self._keys

    def validate(self, token: str) -> SsoUser:
        """Blocking (key fetches): call it in a thread. Raises SsoError for anything but a valid token."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise SsoError("no token, or far too long")
        keys = self._load()
        try:
            if jwt.get_unverified_header(token).get("alg") != "RS256":
                raise SsoError("algorithm is not RS256")
            key = keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=self.audiences,
                                issuer=self._issuers, leeway=MAX_SKEW_SECONDS,
                                options={"require": ["exp", "iat", "iss", "aud", "tid"]})
        except jwt.PyJWTError as exc:
            raise SsoError(f"token rejected: {exc}") from exc
        if claims.get("tid") != self.tenant:
            raise SsoError("token is from another tenant")
        if claims.get("iss") == self._issuers[1] and claims.get("ver") not in (None, "1.0"):
            raise SsoError("issuer and token version disagree")
        names = tuple(str(claims[k]).strip().lower() for k in ("preferred_username", "upn", "email", "unique_name")
                      if isinstance(claims.get(k), str) and "@" in claims[k])
        return SsoUser(oid=str(claims.get("oid") or ""), names=names)
