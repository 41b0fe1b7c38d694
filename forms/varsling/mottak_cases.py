"""The recipients' case work: open a case (its key unlocked for this session), reply, advance, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from nacl.public import PrivateKey

from forms.deps import settings_of, uow_of
from forms.numbers import MAX_ID
from forms.tenancy import tenant_id
from forms.varsling.mottak_web import COOKIE, PATH, checked_form, forbidden, page
from models.errors import DomainError, ValidationFailed
from models.i18n import N_, _
from models.services import varsling_cases as cases
from models.services import varsling_casework as work
from models.services import varsling_retention as retention
from models.services import varsling_web
from models.uow import Tx

router = APIRouter(prefix=PATH)
# A case id from the URL, range-checked (422) before it reaches an INTEGER column.
VarselId = Annotated[int, Path(ge=1, le=MAX_ID)]
# A case action: (transaction, person id, unlocked key, checked form, today) -> whatever the use case returns.
CaseAction = Callable[[Tx, int, PrivateKey, dict[str, Any], date], object]


def _case_response(request: Request, varsel_id: int, *, identity: bool = False,
                   errors: dict[str, str] | None = None, notice: str | None = None, status: int = 200) -> Response:
    with uow_of(request).write() as tx:
        state = varsling_web.recipient_state(tx, cookie=request.cookies.get(COOKIE), org_id=tenant_id(request))
        if state is None:
            return RedirectResponse(PATH, status_code=303)
        if state.sk is None:
            return page(request, "unlock", N_("Lås opp nøkkelen din"), signed_in=True)
        try:
            view, ident = varsling_web.open_case(session=tx, person_id=state.person_id, varsel_id=varsel_id,
                                                 sk=state.sk, identity=identity)
        except DomainError as exc:
            return page(request, "info", N_("Ingen tilgang"), status=exc.http_status, paragraphs=[exc.message],
                        signed_in=True)
    return page(request, "case", _("Sak {ref}").format(ref=view.varsel.ref), view=view, identity=ident, signed_in=True,
                errors=errors or {}, notice=notice, status=status)


@router.get("/sak/{varsel_id}", response_class=HTMLResponse)
def case_page(request: Request, varsel_id: VarselId) -> Response:
    return _case_response(request, varsel_id)


@router.post("/sak/{varsel_id}/identitet", response_class=HTMLResponse)
async def case_identity(request: Request, varsel_id: VarselId) -> Response:
    if await checked_form(request) is None:
        return forbidden(request)
    return await run_in_threadpool(lambda: _case_response(request, varsel_id, identity=True))


async def _act(request: Request, varsel_id: int, fn: CaseAction, notice: str) -> Response:
    form = await checked_form(request)
    if form is None:
        return forbidden(request)
    today = cases.local_today(settings_of(request).tz_name)

    def do() -> Response:
        with uow_of(request).write() as tx:
            state = varsling_web.recipient_state(tx, cookie=request.cookies.get(COOKIE), org_id=tenant_id(request))
            if state is None or state.sk is None:
                return RedirectResponse(PATH, status_code=303)
            fn(tx, state.person_id, state.sk, form, today)
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
async def case_message(request: Request, varsel_id: VarselId) -> Response:
    return await _act(request, varsel_id, lambda s, pid, sk, f, today: work.post_message(
        session=s, person_id=pid, varsel_id=varsel_id, sk=sk, text=str(f.get("message") or ""), today=today),
        N_("Meldingen er sendt til varsleren."))


@router.post("/sak/{varsel_id}/status", response_class=HTMLResponse)
async def case_status(request: Request, varsel_id: VarselId) -> Response:
    return await _act(request, varsel_id, lambda s, pid, sk, f, today: work.advance(
        session=s, person_id=pid, varsel_id=varsel_id, action=str(f.get("action") or ""), today=today),
        N_("Saken er oppdatert."))


@router.post("/sak/{varsel_id}/sjekkliste", response_class=HTMLResponse)
async def case_checklist(request: Request, varsel_id: VarselId) -> Response:
    return await _act(request, varsel_id, lambda s, pid, sk, f, today: work.set_checklist(
        session=s, person_id=pid, varsel_id=varsel_id, checked=set(f["_raw"].getlist("checked"))),
        N_("Sjekklisten er lagret."))


def _export(request: Request, varsel_id: int) -> dict[str, Any] | Response:
    with uow_of(request).write() as tx:
        state = varsling_web.recipient_state(tx, cookie=request.cookies.get(COOKIE), org_id=tenant_id(request))
        if state is None or state.sk is None:
            return RedirectResponse(PATH, status_code=303)
        try:
            return retention.export_case(session=tx, person_id=state.person_id, varsel_id=varsel_id, sk=state.sk,
                                         today=cases.local_today(settings_of(request).tz_name))
        except DomainError as exc:
            return page(request, "info", N_("Kan ikke eksporteres"), status=exc.http_status, paragraphs=[exc.message],
                        signed_in=True)


@router.get("/sak/{varsel_id}/eksport.json")
def export_json(request: Request, varsel_id: VarselId) -> Response:
    data = _export(request, varsel_id)
    if isinstance(data, Response):
        return data
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="{data["sak"]}.json"'})


@router.get("/sak/{varsel_id}/eksport.html", response_class=HTMLResponse)
def export_html(request: Request, varsel_id: VarselId) -> Response:
    data = _export(request, varsel_id)
    if isinstance(data, Response):
        return data
    return page(request, "export", _("Sak {ref} – arkiveksport").format(ref=data["sak"]), data=data)
