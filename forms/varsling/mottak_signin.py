"""The recipients' sign-in (one-time link from chat) and key set-up: create, unlock, recover."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from forms.deps import SettingsDep, UowDep
from forms.tenancy import TenantDep, base_url_of, tenant_id
from forms.varsling.mottak_web import COOKIE, PATH, checked_form, forbidden, form_ok, page, set_cookie
from models.errors import DomainError, ValidationFailed
from models.i18n import N_
from models.services import link_limits, varsling_web
from models.services import varsling_cases as cases
from models.services import varsling_keys as keys

router = APIRouter(prefix=PATH)
T = TypeVar("T")


@router.get("", response_class=HTMLResponse)
def home(request: Request, uow: UowDep, settings: SettingsDep, tenant: TenantDep) -> Response:
    with uow.read() as tx:
        state = varsling_web.recipient_state(tx, cookie=request.cookies.get(COOKIE), org_id=tenant.id)
        if state is None:
            return page(request, "login", N_("Logg inn"), entra=settings.varsling_entra_enabled)
        if not state.has_key:
            return page(request, "setup", N_("Lag nøkkelen din"), signed_in=True)
        if state.sk is None:
            return page(request, "unlock", N_("Lås opp nøkkelen din"), signed_in=True)
        items = varsling_web.case_list(tx, person_id=state.person_id)
    return page(request, "list", N_("Varslingssaker"), signed_in=True, cases=items,
                today=cases.local_today(settings.tz_name))


@router.post("/lenke", response_class=HTMLResponse)
async def request_link(request: Request, uow: UowDep, tenant: TenantDep) -> Response:
    form = await request.form()
    if not form_ok(request, form):
        return forbidden(request)

    base_url = base_url_of(request)

    def send() -> None:
        with uow.write() as tx:
            link_limits.request_recipient_link(session=tx, org_id=tenant.id, email=str(form.get("email") or ""),
                                               public_base_url=base_url)

    await run_in_threadpool(send)
    return page(request, "info", N_("Sjekk chatten"),
                paragraphs=[N_("Er du varslingsmottaker, får du en innloggingslenke fra Tråd i chat i løpet av kort tid.")])


@router.get("/inn", response_class=HTMLResponse)
def redeem_page(request: Request, t: str = "", sak: str = "") -> Response:
    # A GET must not spend the link: chat apps fetch links to preview them.
    return page(request, "redeem", N_("Logg inn"), login_token=t, sak=sak if sak.isdecimal() else "")


@router.post("/inn")
async def redeem(request: Request, uow: UowDep, settings: SettingsDep, tenant: TenantDep) -> Response:
    form = await request.form()
    if not form_ok(request, form):  # login CSRF: a foreign page must not sign this browser in
        return forbidden(request)

    def do() -> str:
        with uow.write() as tx:
            cookie, _who = keys.redeem_login_token(session=tx, token=str(form.get("t") or ""), org_id=tenant.id)
            return cookie

    try:
        cookie = await run_in_threadpool(do)
    except DomainError as exc:
        return page(request, "login", N_("Logg inn"), status=exc.http_status, notice=exc.message,
                    entra=settings.varsling_entra_enabled)
    sak = str(form.get("sak") or "")
    resp = RedirectResponse(f"{PATH}/sak/{sak}" if sak.isdecimal() else PATH, status_code=303)
    set_cookie(request, resp, cookie)
    return resp


@router.post("/logg-ut")
async def logout(request: Request, uow: UowDep) -> Response:
    form = await checked_form(request)
    cookie = request.cookies.get(COOKIE, "")
    if form is not None and cookie:

        def do() -> None:
            with uow.write() as tx:
                keys.end_session(session=tx, cookie=cookie)

        await run_in_threadpool(do)
    resp = RedirectResponse(PATH, status_code=303)
    resp.delete_cookie(COOKIE, path=PATH)
    return resp


async def _key_action(request: Request, work: Callable[[], T], *, template: str, title: str,
                      rename: dict[str, str] | None = None) -> T | Response:
    """Run a recipient's key operation off the event loop; a bad field re-shows `template`, any other refusal
    the info page. Returns the work's result, or the page to answer with."""
    try:
        return await run_in_threadpool(work)
    except ValidationFailed as exc:
        errors = {(rename or {}).get(k, k): v for k, v in exc.errors.items()}
        return page(request, template, title, status=422, errors=errors, signed_in=True)
    except DomainError as exc:
        return page(request, "info", N_("Ikke tillatt"), status=exc.http_status, paragraphs=[exc.message])


@router.post("/nokkel", response_class=HTMLResponse)
async def create_key(request: Request, uow: UowDep) -> Response:
    form = await checked_form(request)
    if form is None:
        return forbidden(request)
    cookie = request.cookies[COOKIE]
    oid = await run_in_threadpool(tenant_id, request)

    def do() -> str:
        with uow.write() as tx:
            recovery = keys.create_key(session=tx, person_id=varsling_web.signed_in_person(tx, cookie=cookie, org_id=oid),
                                       passphrase=str(form.get("passphrase") or ""), repeat=str(form.get("repeat") or ""))
            keys.unlock_session(session=tx, cookie=cookie, passphrase=str(form.get("passphrase") or ""))
            return recovery

    recovery = await _key_action(request, do, template="setup", title=N_("Lag nøkkelen din"))
    if isinstance(recovery, Response):
        return recovery
    return page(request, "recovery", N_("Gjenopprettingsnøkkel"), recovery=recovery, signed_in=True)


@router.post("/las-opp", response_class=HTMLResponse)
async def unlock(request: Request, uow: UowDep) -> Response:
    form = await checked_form(request)
    if form is None:
        return forbidden(request)

    def do() -> None:
        with uow.write() as tx:
            keys.unlock_session(session=tx, cookie=request.cookies[COOKIE], passphrase=str(form.get("passphrase") or ""))

    refused = await _key_action(request, do, template="unlock", title=N_("Lås opp nøkkelen din"))
    return refused if isinstance(refused, Response) else RedirectResponse(PATH, status_code=303)


@router.post("/gjenopprett", response_class=HTMLResponse)
async def recover(request: Request, uow: UowDep) -> Response:
    form = await checked_form(request)
    if form is None:
        return forbidden(request)
    cookie = request.cookies[COOKIE]
    oid = await run_in_threadpool(tenant_id, request)

    def do() -> str:
        with uow.write() as tx:
            new = str(form.get("new_passphrase") or "")
            rec = keys.recover(session=tx, person_id=varsling_web.signed_in_person(tx, cookie=cookie, org_id=oid),
                               recovery=str(form.get("recovery") or ""), passphrase=new)
            keys.unlock_session(session=tx, cookie=cookie, passphrase=new)
            return rec

    recovery = await _key_action(request, do, template="unlock", title=N_("Lås opp nøkkelen din"),
                                 rename={"passphrase": "new_passphrase"})
    if isinstance(recovery, Response):
        return recovery
    return page(request, "recovery", N_("Ny gjenopprettingsnøkkel"), recovery=recovery, signed_in=True)
