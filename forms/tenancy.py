"""Which kommune a web request serves: `/k/<slug>/…`, a host name of its own (TENANT_HOSTS), else the default.

Why an ASGI middleware plus one dependency: every staff page and the varsling form work
unchanged under `/k/<slug>/` when the prefix is taken off the path on the way in and put back on
every link, redirect and cookie on the way out. Routes then ask `TenantDep` (or `tenant_of`)
and never look at TRAD_ORG themselves. Cookies of a prefixed kommune get a name and path of
their own, so the browser never sends one kommune's session to another; the server refuses
a foreign session anyway (`web_auth.session_person(org_id=…)`, the CSRF tokens carry the kommune).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request

from forms.deps import settings_of, uow_of
from models.i18n import _
from models.services import tenants
from models.services.tenants import Tenant
from models.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PREFIX = re.compile(r"^/k/([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)(/.*)?$")
_LINK = re.compile(rb'(\s(?:href|action|src|formaction)=")/(?!/)')
CACHE_SECONDS = 30.0
_MISSING = object()


def tenant_base_url(settings: Settings, tenant: Tenant) -> str:
    """Where a kommune's pages live, for links we send (`tenants.base_url_for`)."""
    return tenants.base_url_for(tenant.slug, settings, default=tenant.default)


class TenantMiddleware:
    """Resolves the kommune of each HTTP request into `request.state.tenant` (see the module docstring)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = settings.tenant_host_map
        self._cache: dict[str, tuple[Tenant | None, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        slug, prefix = self._address(scope)
        tenant = await self._tenant(scope, slug)
        if tenant is None and slug:
            await _not_found(send)
            return
        state = scope.setdefault("state", {})
        if tenant is not None:  # none yet at all (an empty database): `tenant_of` says so when a page asks
            state["tenant"], state["tenant_prefix"], state["tenant_routed"] = tenant, prefix, bool(slug)
        if not prefix or tenant is None:
            await self.app(scope, receive, send)
            return
        _strip(scope, prefix, tenant.slug)
        await self.app(scope, receive, _Rewriter(send, prefix, tenant.slug))

    def _address(self, scope: Scope) -> tuple[str, str]:
        """(slug or "" for the default kommune, path prefix or "")."""
        m = PREFIX.match(scope.get("path", ""))
        if m:
            return m.group(1), f"/k/{m.group(1)}"
        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
        return self.hosts.get(host.strip().lower().split(":")[0], ""), ""

    async def _tenant(self, scope: Scope, slug: str) -> Tenant | None:
        hit = self._cache.get(slug)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        uow = scope["app"].state.wiring.uow

        def look() -> Tenant | None:
            with uow.read() as tx:
                try:
                    return tenants.resolve(tx, slug or None, self.settings)
                except tenants.UnknownOrg:
                    return None

        found = await anyio.to_thread.run_sync(look)
        if found is not None:  # a kommune created a moment from now must be found then
            self._cache[slug] = (found, time.monotonic() + CACHE_SECONDS)
        return found


def _strip(scope: Scope, prefix: str, slug: str) -> None:
    """Take the prefix off the path, and keep only this kommune's cookies (renamed back to their plain names)."""
    path = scope["path"][len(prefix):] or "/"
    scope["path"] = path
    scope["raw_path"] = path.encode("utf-8")
    suffix = f"__{slug}"
    headers = []
    for k, v in scope.get("headers", []):
        if k == b"cookie":
            jar = SimpleCookie()
            jar.load(v.decode("latin-1"))
            own = [f"{n[:-len(suffix)]}={m.coded_value}" for n, m in jar.items() if n.endswith(suffix)]
            if not own:
                continue
            v = "; ".join(own).encode("latin-1")
        headers.append((k, v))
    scope["headers"] = headers


class _Rewriter:
    """Puts the kommune's prefix back on redirects, root-relative links in HTML, and cookies."""

    def __init__(self, send: Send, prefix: str, slug: str) -> None:
        self.send, self.prefix, self.slug = send, prefix, slug
        self.start: Message | None = None
        self.html = False
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [self._header(k, v) for k, v in message.get("headers", [])]
            self.html = any(k == b"content-type" and v.startswith(b"text/html") for k, v in message["headers"])
            if not self.html:
                await self.send(message)
                return
            self.start = message
            return
        if message["type"] != "http.response.body" or not self.html:
            await self.send(message)
            return
        self.body.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = _LINK.sub(rb"\1" + self.prefix.encode() + b"/", b"".join(self.body))
        assert self.start is not None
        self.start["headers"] = [(k, str(len(body)).encode() if k == b"content-length" else v)
                                 for k, v in self.start["headers"]]
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": body, "more_body": False})

    def _header(self, key: bytes, value: bytes) -> tuple[bytes, bytes]:
        if key == b"location" and value.startswith(b"/") and not value.startswith(b"//") \
                and not value.startswith(self.prefix.encode() + b"/"):
            return key, self.prefix.encode() + value
        if key == b"set-cookie":
            return key, self._cookie(value.decode("latin-1")).encode("latin-1")
        return key, value

    def _cookie(self, header: str) -> str:
        name, _eq, rest = header.partition("=")
        parts = rest.split(";")
        for i, part in enumerate(parts):
            k, _s, v = part.strip().partition("=")
            if k.lower() == "path":
                parts[i] = f" Path={self.prefix}{'' if v.strip() == '/' else v.strip()}"
        return f"{name.strip()}__{self.slug}=" + ";".join(parts)


async def _not_found(send: Send) -> None:
    text = _("Fant ingen kommune på denne adressen.")
    body = ("<!doctype html><html lang=\"nb\"><meta charset=\"utf-8\"><title>404</title>"
            f"<main><h1>404</h1><p>{text}</p></main></html>").encode()
    await send({"type": "http.response.start", "status": 404, "headers": [
        (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


def tenant_of(request: Request) -> Tenant:
    """The kommune this request serves (the middleware's answer; the default kommune when it did not run)."""
    found = getattr(request.state, "tenant", _MISSING)
    if isinstance(found, Tenant):
        return found
    with uow_of(request).read() as tx:
        tenant = tenants.resolve(tx, None, settings_of(request))
    request.state.tenant = tenant
    return tenant


def tenant_id(request: Request) -> int:
    return tenant_of(request).id


def base_url_of(request: Request) -> str:
    """The base URL of links sent for this request's kommune (sign-in links)."""
    return tenant_base_url(settings_of(request), tenant_of(request))


TenantDep = Annotated[Tenant, Depends(tenant_of)]


def tenant_key(request: Request, base: bytes) -> bytes:
    """The signing key for this request's kommune: form tokens, CSRF tokens and sign-in states signed
    for one kommune fail in every other. The plain address (the default kommune) keeps `base`."""
    tenant = getattr(request.state, "tenant", None)
    if not isinstance(tenant, Tenant) or not getattr(request.state, "tenant_routed", False):
        return base
    return hmac.new(base, f"tenant|{tenant.slug}".encode(), hashlib.sha256).digest()
