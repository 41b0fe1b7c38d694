"""Plumbing for the staff pages: security headers, the signed-in person, CSRF, the page layout.

Why a route class for headers: every staff response (pages, redirects, errors) must carry
`Cache-Control: no-store` and a script-free CSP, and a class on the router cannot be
forgotten on a new route the way a per-handler call can.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from forms.deps import settings_of, uow_of
from forms.templating import render as render_page
from forms.tenancy import tenant_id, tenant_key
from models.access import Actor
from models.errors import DomainError
from models.i18n import N_
from models.services import kommune_settings, web_auth
from models.services import org as org_svc
from models.services.kommune_settings import Brand

COOKIE = "trad_web"

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "cache-control": "no-store",
    "pragma": "no-cache",
    # same-origin: the sign-in page URL carries the one-time token, so it must never leave the site;
    # (no-referrer would also work, but then Chromium sends `Origin: null` on our own form posts).
    "referrer-policy": "same-origin",
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class Halt(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a dependency to answer the request with `response` instead of running the route."""

    def __init__(self, response: Response) -> None:
        super().__init__("halt")
        self.response = response


class StaffRoute(APIRoute):
    """Adds the security headers to every response of the staff router, and answers a `Halt`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await inner(request)
            except Halt as halt:
                response = halt.response
            for k, v in HEADERS.items():
                response.headers[k] = v
            return response

        return handler


@dataclass(frozen=True)
class Me:
    """The signed-in person for one request."""

    person_id: int
    actor: Actor
    cookie: str
    csrf: str
    brand: Brand | None = None  # the kommune's name and logo, for the page header

    @property
    def is_leader(self) -> bool:
        return self.actor.is_leader


def secret_of(request: Request) -> bytes:
    """The staff pages' signing key, for this request's kommune (forms.tenancy.tenant_key)."""
    secret: bytes = request.app.state.staff_secret
    return tenant_key(request, secret)


def csrf_for(request: Request, cookie: str) -> str:
    """The CSRF token bound to this session: an HMAC of the cookie under the server secret."""
    return hmac.new(secret_of(request), f"staff-csrf|{cookie}".encode(), hashlib.sha256).hexdigest()[:40]


def current(request: Request) -> Me | None:
    """Who is signed in (sync; call from a thread). Slides the session expiry forward."""
    cookie = request.cookies.get(COOKIE, "")
    if not cookie:
        return None
    org_id = tenant_id(request)  # a session opened in another kommune is no session here
    # A write transaction: session_person slides the expiry forward (and commits that itself).
    with uow_of(request).write() as tx:
        pid = web_auth.session_person(tx, cookie, org_id=org_id)
        if pid is None:
            return None
        try:
            actor = org_svc.load_actor(tx, person_id=pid)
        except DomainError:
            return None
        brand = kommune_settings.brand(tx, org_id=actor.org_id)
    return Me(person_id=pid, actor=actor, cookie=cookie, csrf=csrf_for(request, cookie), brand=brand)


def csrf_ok(request: Request, me: Me | None, form: dict[str, str]) -> bool:
    return me is not None and hmac.compare_digest(str(form.get("csrf") or ""), me.csrf)


def secure_cookie(request: Request) -> bool:
    return settings_of(request).public_base_url.startswith("https")


def set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(COOKIE, cookie, max_age=int(web_auth.SESSION_TTL.total_seconds()), path="/", httponly=True,
                        samesite="strict", secure=secure_cookie(request))


def render(request: Request, name: str, context: Mapping[str, Any], status_code: int = 200) -> Response:
    """A staff page: the layout's defaults (signed-in person, CSRF token, no errors) under `context`."""
    me: Me | None = context.get("me")
    base: dict[str, Any] = {"me": me, "csrf": me.csrf if me else "", "errors": {}, "notice": None, "values": {}}
    base.update(context)
    form = base.get("form")
    if form is not None and "labels" not in base:  # the error summary names each field (forms/templates/staff/_errors.html)
        base["labels"] = {f.name: f.label for f in getattr(form, "fields", ())}
    base.setdefault("labels", {"email": N_("E-postadresse på jobb")})
    return render_page(request, f"staff/{name}", base, status_code=status_code)
