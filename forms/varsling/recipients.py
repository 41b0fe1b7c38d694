"""The recipients' side: sign-in (one-time link from chat, or Entra ID), key set-up, case work.

Recipients are not anonymous, so a session cookie is used here (HttpOnly, SameSite=Strict,
Secure on https, path /varsling/mottak only, so it is never sent to the anonymous pages).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from forms.varsling import entra
from forms.varsling.web import render
from models.db import get_engine, session_scope
from models.errors import DomainError, ValidationFailed
from models.services import org as org_svc
from models.services import varsling_cases as cases
from models.services import varsling_casework as work
from models.services import varsling_keys as keys
from models.services import varsling_retention as retention
from models.settings import Settings

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/varsling/mottak")
COOKIE = "trad_mottak"
FLOW_COOKIE = "trad_entra_flow"
PATH = "/varsling/mottak"
ACTIONS = [("bekreft", "Bekreft mottak"), ("undersok", "Start undersøkelse"),
           ("tilbakemelding", "Tilbakemelding er gitt"), ("lukk", "Avslutt saken")]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _csrf(request: Request, cookie: str) -> str:
    return hmac.new(request.app.state.varsling_secret, f"mottak|{cookie}".encode(), hashlib.sha256).hexdigest()[:32]


def _page(request: Request, page: str, title: str, status: int = 200, **ctx: Any) -> Response:
    cookie = request.cookies.get(COOKIE, "")
    base = {"page": page, "title": title, "errors": {}, "notice": None, "signed_in": bool(ctx.pop("signed_in", False)),
            "csrf": _csrf(request, cookie) if cookie else "", "status_label": cases.status_label,
            "checklist": work.CHECKLIST, "actions": ACTIONS}
    base.update(ctx)
    return render(request, "varsling/mottak_pages.html", base, status_code=status)


def _set_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=int(keys.SESSION_TTL.total_seconds()), path=PATH, httponly=True,
                        samesite="strict", secure=_settings(request).public_base_url.startswith("https"))


def _session(request: Request, s: Any):  # type: ignore[no-untyped-def]
    cookie = request.cookies.get(COOKIE)
    return cookie, keys.session_person(s, cookie)


async def _checked_form(request: Request) -> dict[str, Any] | None:
    form = await request.form()
    cookie = request.cookies.get(COOKIE, "")
    if not cookie or not hmac.compare_digest(str(form.get("csrf") or ""), _csrf(request, cookie)):
        return None
    return {"_raw": form, **{k: form.get(k) for k in form}}


def _forbidden(request: Request) -> Response:
    return _page(request, "info", "Ikke tillatt", status=403,
                 paragraphs=["Skjemaet kunne ikke bekreftes, eller du er ikke logget inn. Gå tilbake og prøv igjen."])


# ---------------------------------------------------------------- sign-in

@router.get("", response_class=HTMLResponse)
def home(request: Request) -> Response:
    settings = _settings(request)
    with session_scope(get_engine(settings.database_url)) as s:
        cookie, row = _session(request, s)
        if row is None:
            return _page(request, "login", "Logg inn", entra=settings.varsling_entra_enabled)
        if keys.get_key(s, row.person_id) is None:
            return _page(request, "setup", "Lag nøkkelen din", signed_in=True)
        if keys.session_key(row, cookie) is None:
            return _page(request, "unlock", "Lås opp nøkkelen din", signed_in=True)
        items = work.cases_for(s, person_id=row.person_id)
    return _page(request, "list", "Varslingssaker", signed_in=True, cases=items,
                 today=cases.local_today(settings.tz_name))


@router.post("/lenke", response_class=HTMLResponse)
async def request_link(request: Request) -> Response:
    form = await request.form()
    settings = _settings(request)

    def send() -> None:
        with session_scope(get_engine(settings.database_url)) as s:
            keys.send_login_link(session=s, org_id=org_svc.default_org(s, slug=settings.org_slug).id, email=str(form.get("email") or ""),  # type: ignore[arg-type]
                                 public_base_url=settings.public_base_url)

    await run_in_threadpool(send)
    return _page(request, "info", "Sjekk chatten",
                 paragraphs=["Er du varslingsmottaker, får du en innloggingslenke fra Tråd i chat i løpet av kort tid."])


@router.get("/inn", response_class=HTMLResponse)
def redeem_page(request: Request, t: str = "", sak: str = "") -> Response:
    # A GET must not spend the link: chat apps fetch links to preview them.
    return _page(request, "redeem", "Logg inn", login_token=t, sak=sak if sak.isdigit() else "")


@router.post("/inn")
async def redeem(request: Request) -> Response:
    form = await request.form()
    settings = _settings(request)

    def do() -> str:
        with session_scope(get_engine(settings.database_url)) as s:
            cookie, _ = keys.redeem_login_token(session=s, token=str(form.get("t") or ""))
            return cookie

    try:
        cookie = await run_in_threadpool(do)
    except DomainError as exc:
        return _page(request, "login", "Logg inn", status=exc.http_status, notice=exc.message,
                     entra=settings.varsling_entra_enabled)
    sak = str(form.get("sak") or "")
    resp = RedirectResponse(f"{PATH}/sak/{sak}" if sak.isdigit() else PATH, status_code=303)
    _set_cookie(request, resp, cookie)
    return resp


@router.post("/logg-ut")
async def logout(request: Request) -> Response:
    form = await _checked_form(request)
    cookie = request.cookies.get(COOKIE, "")
    if form is not None and cookie:
        settings = _settings(request)

        def do() -> None:
            with session_scope(get_engine(settings.database_url)) as s:
                keys.end_session(session=s, cookie=cookie)

        await run_in_threadpool(do)
    resp = RedirectResponse(PATH, status_code=303)
    resp.delete_cookie(COOKIE, path=PATH)
    return resp


async def _key_action(request: Request, work: Callable[[], Any], *, template: str, title: str,
                      rename: dict[str, str] | None = None) -> Any:
    """Run a recipient's key operation off the event loop; a bad field re-shows `template`, any other refusal
    the info page. Returns the work's result, or the page to answer with."""
    try:
        return await run_in_threadpool(work)
    except ValidationFailed as exc:
        errors = {(rename or {}).get(k, k): v for k, v in exc.errors.items()}
        return _page(request, template, title, status=422, errors=errors, signed_in=True)
    except DomainError as exc:
        return _page(request, "info", "Ikke tillatt", status=exc.http_status, paragraphs=[exc.message])


def _signed_in_person(s: Any, cookie: str) -> int:
    row = keys.session_person(s, cookie)
    if row is None:
        raise keys.PermissionDenied("Du er ikke logget inn.")
    return row.person_id


@router.post("/nokkel", response_class=HTMLResponse)
async def create_key(request: Request) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    settings = _settings(request)
    cookie = request.cookies[COOKIE]

    def do() -> str:
        with session_scope(get_engine(settings.database_url)) as s:
            recovery = keys.create_key(session=s, person_id=_signed_in_person(s, cookie),
                                       passphrase=str(form.get("passphrase") or ""), repeat=str(form.get("repeat") or ""))
            keys.unlock_session(session=s, cookie=cookie, passphrase=str(form.get("passphrase") or ""))
            return recovery

    recovery = await _key_action(request, do, template="setup", title="Lag nøkkelen din")
    if isinstance(recovery, Response):
        return recovery
    return _page(request, "recovery", "Gjenopprettingsnøkkel", recovery=recovery, signed_in=True)


@router.post("/las-opp", response_class=HTMLResponse)
async def unlock(request: Request) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    settings = _settings(request)

    def do() -> None:
        with session_scope(get_engine(settings.database_url)) as s:
            keys.unlock_session(session=s, cookie=request.cookies[COOKIE], passphrase=str(form.get("passphrase") or ""))

    refused = await _key_action(request, do, template="unlock", title="Lås opp nøkkelen din")
    return refused if isinstance(refused, Response) else RedirectResponse(PATH, status_code=303)


@router.post("/gjenopprett", response_class=HTMLResponse)
async def recover(request: Request) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    settings = _settings(request)
    cookie = request.cookies[COOKIE]

    def do() -> str:
        with session_scope(get_engine(settings.database_url)) as s:
            new = str(form.get("new_passphrase") or "")
            rec = keys.recover(session=s, person_id=_signed_in_person(s, cookie),
                               recovery=str(form.get("recovery") or ""), passphrase=new)
            keys.unlock_session(session=s, cookie=cookie, passphrase=new)
            return rec

    recovery = await _key_action(request, do, template="unlock", title="Lås opp nøkkelen din",
                                 rename={"passphrase": "new_passphrase"})
    if isinstance(recovery, Response):
        return recovery
    return _page(request, "recovery", "Ny gjenopprettingsnøkkel", recovery=recovery, signed_in=True)


# ---------------------------------------------------------------- Entra ID (msal authorization-code flow)
# The flow (state, nonce, PKCE verifier) is kept in a signed, HttpOnly cookie bound to this browser,
# SameSite=Lax because Strict would not be sent on the top-level return from Microsoft. It is spent
# once: its state is recorded as used before the code is redeemed (keys.spend_entra_flow).

FLOW_TTL = 600
FLOW_KEYS = ("state", "nonce", "code_verifier", "redirect_uri", "scope", "claims_challenge")


def _sign_flow(request: Request, flow: dict) -> str:
    body = json.dumps({"flow": {k: flow.get(k) for k in FLOW_KEYS}, "exp": int(time.time()) + FLOW_TTL},
                      separators=(",", ":"))
    sig = hmac.new(request.app.state.varsling_secret, b"entra|" + body.encode(), hashlib.sha256).hexdigest()
    return f"{sig}.{body}"


def _read_flow(request: Request) -> dict | None:
    raw = request.cookies.get(FLOW_COOKIE, "")
    sig, _, body = raw.partition(".")
    good = hmac.new(request.app.state.varsling_secret, b"entra|" + body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(sig, good):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    flow = data.get("flow") if isinstance(data, dict) and data.get("exp", 0) >= time.time() else None
    return flow if isinstance(flow, dict) and flow.get("state") else None


def _entra_failed(request: Request, status: int, message: str) -> Response:
    resp = _page(request, "info", "Innloggingen feilet" if status != 403 else "Ikke tillatt", status=status,
                 paragraphs=[message], entra_retry=True)
    resp.delete_cookie(FLOW_COOKIE, path=PATH)
    return resp


@router.get("/entra")
async def entra_start(request: Request) -> Response:
    settings = _settings(request)
    if not settings.varsling_entra_enabled:
        return _page(request, "info", "Ikke satt opp", status=404,
                     paragraphs=["Innlogging med Microsoft er ikke satt opp for varslingssakene. "
                                 "Bruk innloggingslenken fra Tråd i chat."])
    try:
        flow = await run_in_threadpool(entra.start, settings)
    except Exception:  # noqa: BLE001 - authority unreachable or misconfigured: say so, don't 500
        logger.exception("Entra sign-in could not start")
        return _page(request, "info", "Innloggingen feilet", status=503,
                     paragraphs=["Microsoft-innloggingen svarer ikke nå. Prøv igjen senere, "
                                 "eller bruk innloggingslenken fra Tråd i chat."])
    resp = RedirectResponse(flow["auth_uri"], status_code=302)
    resp.set_cookie(FLOW_COOKIE, _sign_flow(request, flow), max_age=FLOW_TTL, path=PATH, httponly=True,
                    samesite="lax", secure=settings.public_base_url.startswith("https"))
    return resp


@router.get("/entra/svar", response_class=HTMLResponse)
async def entra_return(request: Request) -> Response:
    settings = _settings(request)
    flow = _read_flow(request)
    if not settings.varsling_entra_enabled or flow is None:
        # No attempt of this browser to attribute: nothing is audited (anyone can call this URL).
        return _entra_failed(request, 400, "Innloggingen var utløpt eller ugyldig. Prøv igjen.")
    query = dict(request.query_params)

    def refuse(reason: str) -> None:
        with session_scope(get_engine(settings.database_url)) as s:
            keys.record_entra_refusal(s, org_id=org_svc.default_org(s, slug=settings.org_slug).id, reason=reason)

    if not hmac.compare_digest(str(query.get("state") or ""), str(flow["state"])):
        await run_in_threadpool(refuse, "state")
        return _entra_failed(request, 400, "Innloggingen var utløpt eller ugyldig. Prøv igjen.")

    def spend() -> bool:
        with session_scope(get_engine(settings.database_url)) as s:
            return keys.spend_entra_flow(session=s, state=str(flow["state"]))

    if not await run_in_threadpool(spend):
        await run_in_threadpool(refuse, "replay")
        return _entra_failed(request, 400, "Denne innloggingen er allerede brukt. Start på nytt.")
    if query.get("error"):
        await run_in_threadpool(refuse, "authority_error")
        return _entra_failed(request, 401, "Microsoft avviste innloggingen.")
    try:
        claims = await run_in_threadpool(entra.finish, settings, flow, query)
    except entra.EntraRefused as exc:
        await run_in_threadpool(refuse, exc.reason)
        return _entra_failed(request, 401, "Microsoft-innloggingen kunne ikke bekreftes. Prøv igjen.")

    def sign_in() -> str:
        with session_scope(get_engine(settings.database_url)) as s:
            return keys.sign_in_with_entra(session=s, org_id=org_svc.default_org(s, slug=settings.org_slug).id, claims=claims,  # type: ignore[arg-type]
                                           tenant_id=entra.tenant(settings))

    try:
        cookie = await run_in_threadpool(sign_in)
    except DomainError as exc:
        return _entra_failed(request, 403, exc.message)
    # A page, not a redirect: a SameSite=Strict cookie set during a cross-site navigation is only sent
    # from the next same-site click.
    resp = _page(request, "info", "Du er logget inn", paragraphs=["Du er logget inn med Microsoft."],
                 next_link=PATH)
    _set_cookie(request, resp, cookie)
    resp.delete_cookie(FLOW_COOKIE, path=PATH)
    return resp


# ---------------------------------------------------------------- cases

def _unlocked(request: Request, s: Any):  # type: ignore[no-untyped-def]
    cookie, row = _session(request, s)
    if row is None:
        return None, None
    return row, keys.session_key(row, cookie)


def _case_response(request: Request, varsel_id: int, *, identity: bool = False, errors: dict | None = None,
                   notice: str | None = None, status: int = 200) -> Response:
    settings = _settings(request)
    with session_scope(get_engine(settings.database_url)) as s:
        row, sk = _unlocked(request, s)
        if row is None:
            return RedirectResponse(PATH, status_code=303)
        if sk is None:
            return _page(request, "unlock", "Lås opp nøkkelen din", signed_in=True)
        try:
            view = work.open_case(session=s, person_id=row.person_id, varsel_id=varsel_id, sk=sk)
            ident = work.reveal_identity(session=s, person_id=row.person_id, varsel_id=varsel_id, sk=sk) \
                if identity else None
        except DomainError as exc:
            return _page(request, "info", "Ingen tilgang", status=exc.http_status, paragraphs=[exc.message],
                         signed_in=True)
    return _page(request, "case", f"Sak {view.varsel.ref}", view=view, identity=ident, signed_in=True,
                 errors=errors or {}, notice=notice, status=status)


@router.get("/sak/{varsel_id}", response_class=HTMLResponse)
def case_page(request: Request, varsel_id: int) -> Response:
    return _case_response(request, varsel_id)


@router.post("/sak/{varsel_id}/identitet", response_class=HTMLResponse)
async def case_identity(request: Request, varsel_id: int) -> Response:
    if await _checked_form(request) is None:
        return _forbidden(request)
    return await run_in_threadpool(lambda: _case_response(request, varsel_id, identity=True))


async def _act(request: Request, varsel_id: int, fn: Any, notice: str) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    settings = _settings(request)

    def do() -> Response:
        with session_scope(get_engine(settings.database_url)) as s:
            row, sk = _unlocked(request, s)
            if row is None or sk is None:
                return RedirectResponse(PATH, status_code=303)
            fn(s, row.person_id, sk, form, cases.local_today(settings.tz_name))
        return _case_response(request, varsel_id, notice=notice)

    try:
        return await run_in_threadpool(do)
    except ValidationFailed as exc:
        errors = exc.errors
        return await run_in_threadpool(lambda: _case_response(request, varsel_id, errors=errors, status=422))
    except DomainError as exc:
        message, status = exc.message, exc.http_status
        return await run_in_threadpool(lambda: _case_response(request, varsel_id, notice=message, status=status))


@router.post("/sak/{varsel_id}/melding", response_class=HTMLResponse)
async def case_message(request: Request, varsel_id: int) -> Response:
    return await _act(request, varsel_id, lambda s, pid, sk, f, today: work.post_message(
        session=s, person_id=pid, varsel_id=varsel_id, sk=sk, text=str(f.get("message") or ""), today=today),
        "Meldingen er sendt til varsleren.")


@router.post("/sak/{varsel_id}/status", response_class=HTMLResponse)
async def case_status(request: Request, varsel_id: int) -> Response:
    return await _act(request, varsel_id, lambda s, pid, sk, f, today: work.advance(
        session=s, person_id=pid, varsel_id=varsel_id, action=str(f.get("action") or ""), today=today),
        "Saken er oppdatert.")


@router.post("/sak/{varsel_id}/sjekkliste", response_class=HTMLResponse)
async def case_checklist(request: Request, varsel_id: int) -> Response:
    return await _act(request, varsel_id, lambda s, pid, sk, f, today: work.set_checklist(
        session=s, person_id=pid, varsel_id=varsel_id, checked=set(f["_raw"].getlist("checked"))),
        "Sjekklisten er lagret.")


def _export(request: Request, varsel_id: int) -> dict | Response:
    settings = _settings(request)
    with session_scope(get_engine(settings.database_url)) as s:
        row, sk = _unlocked(request, s)
        if row is None or sk is None:
            return RedirectResponse(PATH, status_code=303)
        try:
            return retention.export_case(session=s, person_id=row.person_id, varsel_id=varsel_id, sk=sk,
                                         today=cases.local_today(settings.tz_name))
        except DomainError as exc:
            return _page(request, "info", "Kan ikke eksporteres", status=exc.http_status, paragraphs=[exc.message],
                         signed_in=True)


@router.get("/sak/{varsel_id}/eksport.json")
def export_json(request: Request, varsel_id: int) -> Response:
    data = _export(request, varsel_id)
    if isinstance(data, Response):
        return data
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="{data["sak"]}.json"'})


@router.get("/sak/{varsel_id}/eksport.html", response_class=HTMLResponse)
def export_html(request: Request, varsel_id: int) -> Response:
    data = _export(request, varsel_id)
    if isinstance(data, Response):
        return data
    return _page(request, "export", f"Sak {data['sak']} – arkiveksport", data=data)
