"""Signing in to the staff pages: ask for a one-time link, confirm it (a POST spends it), sign out."""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep
from forms.guards import safe_next, same_origin
from forms.staff.pageutil import forbidden, form_data
from forms.staff.web import (
    COOKIE,
    StaffRoute,
    current,
    render,
    secret_of,
    set_session_cookie,
)
from forms.tenancy import TenantDep, base_url_of
from forms.varsling.security import BadToken, check_token, make_token
from models.errors import DomainError
from models.i18n import N_, _
from models.services import web_auth

router = APIRouter(route_class=StaffRoute)
log = logging.getLogger("trad.web")
LOGIN_SENT = N_("Hvis adressen er registrert, har vi sendt deg en lenke")


def _login_token(request: Request, purpose: str) -> str:
    return make_token(secret_of(request), purpose, ttl=3600)


def _login_token_ok(request: Request, token: str | None, purpose: str) -> bool:
    try:
        check_token(secret_of(request), token, purpose)
    except BadToken:
        return False
    return True


@router.get("/logg-inn")
def login_page(request: Request, neste: str = "") -> Response:
    me = current(request)
    return render(request, "login.html", {"me": me, "title": N_("Logg inn"), "neste": safe_next(neste) if neste else "",
                                          "token": _login_token(request, "login")})


@router.post("/logg-inn")
async def login_request(request: Request, background: BackgroundTasks, uow: UowDep,
                        tenant: TenantDep) -> Response:
    data = await form_data(request)
    if not same_origin(request) or not _login_token_ok(request, data.get("token"), "login"):
        return forbidden(request, None)
    email = data.get("email", "").strip()
    if "@" not in email or len(email) > 320:
        return render(request, "login.html", {"title": N_("Logg inn"), "token": _login_token(request, "login"),
                                              "errors": {"email": N_("Skriv e-postadressen du bruker på jobb, "
                                                                  "f.eks. navn@kommune.no.")},
                                              "values": {"email": email[:320]}}, status_code=422)

    base_url = base_url_of(request)

    def send() -> None:
        try:
            with uow.write() as tx:
                web_auth.request_link(session=tx, org_id=tenant.id, email=email, public_base_url=base_url)
        except Exception:  # noqa: BLE001 - the answer is already sent; never log the address
            log.exception("sending a sign-in link failed")

    # After the response: the answer and its timing are the same whether or not the address exists.
    background.add_task(run_in_threadpool, send)
    return render(request, "info.html", {"title": N_("Sjekk chatten eller e-posten"), "paragraphs": [
        _("Hvis adressen er registrert, har vi sendt deg en lenke. Du får den i Slack eller Teams hvis du bruker det, ellers på e-post."),
        N_("Lenken gjelder i 15 minutter og kan brukes én gang.")]})


@router.get("/logg-inn/lenke")
def link_page(request: Request, uow: UowDep, tenant: TenantDep, t: str = "") -> Response:
    # A GET never spends the link: chat and e-mail clients fetch links to preview them.
    with uow.read() as tx:
        usable = bool(t) and web_auth.link_is_usable(tx, token=t, org_id=tenant.id)
    if not usable:
        return render(request, "info.html", {"title": N_("Lenken virker ikke"), "paragraphs": [
            N_("Innloggingslenken er brukt eller utløpt. Be om en ny lenke.")], "login_link": True}, status_code=410)
    return render(request, "link.html", {"title": N_("Logg inn"), "login_token": t,
                                         "token": _login_token(request, "redeem")})


@router.post("/logg-inn/lenke")
async def link_redeem(request: Request, uow: UowDep, tenant: TenantDep) -> Response:
    data = await form_data(request)
    if not same_origin(request) or not _login_token_ok(request, data.get("token"), "redeem"):
        return forbidden(request, None)

    def do() -> str:
        with uow.write() as tx:
            cookie, _who = web_auth.redeem_link(session=tx, token=data.get("t", ""), org_id=tenant.id)
            return cookie

    try:
        cookie = await run_in_threadpool(do)
    except DomainError as exc:
        return render(request, "info.html", {"title": N_("Lenken virker ikke"), "paragraphs": [exc.message],
                                             "login_link": True}, status_code=410)
    resp = RedirectResponse("/", status_code=303)
    set_session_cookie(request, resp, cookie)
    return resp


@router.post("/logg-ut")
async def logout(request: Request, uow: UowDep) -> Response:
    data = await form_data(request)
    me = await run_in_threadpool(current, request)
    if me is not None and data.get("csrf") == me.csrf and same_origin(request):

        def do() -> None:
            with uow.write() as tx:
                web_auth.end_session(session=tx, cookie=me.cookie)

        await run_in_threadpool(do)
    elif me is not None:
        return forbidden(request, me)
    resp = RedirectResponse("/logg-inn", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp
