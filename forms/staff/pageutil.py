"""What every staff page shares: the answers that end a request early, the signed POST, notices.

Routes only translate: HTTP in, domain call, HTML out. A case the person may not see is a
404 page; a form that cannot be verified is a 403 page where nothing was stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.conversation.channel import ChannelUser
from forms.guards import safe_next, same_origin
from forms.staff.web import Halt, Me, csrf_ok, current, render
from models.errors import DomainError
from models.i18n import N_

OK_MESSAGES = {
    "tatt": N_("Du har tatt saken. Melderen har fått beskjed."),
    "tiltak": N_("Tiltaket er lagret. Melderen har fått beskjed."),
    "lukket": N_("Avviket er lukket. Melderen har fått beskjed."),
    "gjenapnet": N_("Avviket er gjenåpnet."),
    "utfort": N_("Tiltaket er markert som utført."),
    "oppdatert": N_("Oppdraget er oppdatert."),
    "registrert": N_("Svaret er registrert."),
}


def now() -> datetime:
    return datetime.now(UTC)


def user_of(me: Me) -> ChannelUser:
    """The signed-in person as the conversation layer's channel user (platform "web")."""
    return ChannelUser(platform="web", workspace="web", user_id=str(me.person_id))


def to_login(request: Request) -> Response:
    path = safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return RedirectResponse(f"/logg-inn?neste={quote(path, safe='/')}" if path != "/" else "/logg-inn", status_code=303)


def problem(request: Request, me: Me | None, exc: DomainError) -> Response:
    status = exc.http_status if exc.http_status >= 400 else 400
    title = {404: N_("Fant ikke siden"), 403: N_("Ikke tillatt"), 409: N_("Kan ikke gjøres nå")}.get(status, N_("Noe er galt"))
    return render(request, "info.html", {"me": me, "title": title, "paragraphs": [exc.message]}, status_code=status)


def forbidden(request: Request, me: Me | None) -> Response:
    return render(request, "info.html", {"me": me, "title": N_("Ikke tillatt"), "paragraphs": [
        N_("Skjemaet kunne ikke bekreftes (det kan være for gammelt, eller sendt fra en annen side). "
        "Gå tilbake, last siden på nytt og prøv igjen. Ingenting er lagret.")]}, status_code=403)


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


def post_ok(request: Request, me: Me, data: dict[str, str]) -> bool:
    """The form's CSRF token matches this session, and the post does not come from another site."""
    return same_origin(request) and csrf_ok(request, me, data)


@dataclass(frozen=True)
class SignedPost:
    me: Me
    data: dict[str, str]


async def signed_in_post(request: Request) -> SignedPost:
    """A POST from a signed-in person whose form carries this session's CSRF token; otherwise answer now."""
    data = await form_data(request)
    me = await run_in_threadpool(current, request)
    if me is None:
        raise Halt(to_login(request))
    if not post_ok(request, me, data):
        raise Halt(forbidden(request, me))
    return SignedPost(me=me, data=data)


PostDep = Annotated[SignedPost, Depends(signed_in_post)]


def ok_notice(request: Request) -> str | None:
    """The confirmation named by `?ok=` after a redirect (post/redirect/get)."""
    return OK_MESSAGES.get(request.query_params.get("ok", ""))
