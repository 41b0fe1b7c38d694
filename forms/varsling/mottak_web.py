"""Plumbing for the recipients' pages (`/varsling/mottak`): the session cookie, CSRF and the page layout.

Recipients are not anonymous, so a session cookie is used here (HttpOnly, SameSite=Strict,
Secure on https, path /varsling/mottak only, so it is never sent to the anonymous pages).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from forms.deps import settings_of
from forms.guards import same_origin
from forms.templating import render
from forms.tenancy import tenant_key
from forms.varsling.security import BadToken, check_token, make_token
from models.i18n import N_
from models.services import varsling_cases as cases
from models.services import varsling_casework as work
from models.services import varsling_keys as keys

COOKIE = "trad_mottak"
PATH = "/varsling/mottak"
FORM_PURPOSE = "mottak-signin"
FORM_TTL = 24 * 3600  # as long as a sign-in link lives: the confirmation page may be left open
ACTIONS = [("bekreft", N_("Bekreft mottak")), ("undersok", N_("Start undersøkelse")),
           ("tilbakemelding", N_("Tilbakemelding er gitt")), ("lukk", N_("Avslutt saken"))]


def secret_of(request: Request) -> bytes:
    secret: bytes = request.app.state.varsling_secret
    return tenant_key(request, secret)


def _csrf(request: Request, cookie: str) -> str:
    return hmac.new(secret_of(request), f"mottak|{cookie}".encode(), hashlib.sha256).hexdigest()[:32]


def page(request: Request, name: str, title: str, status: int = 200, **ctx: Any) -> Response:
    """One of the recipients' pages (`name` picks the block of mottak_pages.html)."""
    cookie = request.cookies.get(COOKIE, "")
    base = {"page": name, "title": title, "errors": {}, "notice": None, "signed_in": bool(ctx.pop("signed_in", False)),
            "csrf": _csrf(request, cookie) if cookie else "", "status_label": cases.status_label,
            "checklist": work.CHECKLIST, "actions": ACTIONS,
            "form_token": make_token(secret_of(request), FORM_PURPOSE, ttl=FORM_TTL)}
    base.update(ctx)
    return render(request, "varsling/mottak_pages.html", base, status_code=status)


def set_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=int(keys.SESSION_TTL.total_seconds()), path=PATH, httponly=True,
                        samesite="strict", secure=settings_of(request).public_base_url.startswith("https"))


async def checked_form(request: Request) -> dict[str, Any] | None:
    """The posted form if it carries this session's CSRF token (the raw form under "_raw"), else None."""
    form = await request.form()
    cookie = request.cookies.get(COOKIE, "")
    if not cookie or not hmac.compare_digest(str(form.get("csrf") or ""), _csrf(request, cookie)):
        return None
    return {"_raw": form, **{k: form.get(k) for k in form}}


def form_ok(request: Request, form: Mapping[str, Any]) -> bool:
    """A sign-in form posted from this site: same Origin, and the signed token of a page we served.

    Used where there is no session yet (asking for a link, spending one), so the session's
    CSRF token cannot be; without it a foreign page could sign a browser in as someone else.
    """
    try:
        check_token(secret_of(request), str(form.get("token") or ""), FORM_PURPOSE)
    except BadToken:
        return False
    return same_origin(request)


def forbidden(request: Request) -> Response:
    return page(request, "info", N_("Ikke tillatt"), status=403,
                paragraphs=[N_("Skjemaet kunne ikke bekreftes, eller du er ikke logget inn. Gå tilbake og prøv igjen.")])
