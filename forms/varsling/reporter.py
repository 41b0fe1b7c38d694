"""The reporter's pages: no login, no cookies, no address; every rule is in models.services.varsling_cases."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from forms.deps import settings_of, uow_of
from forms.numbers import form_id
from forms.templating import render
from forms.tenancy import base_url_of, tenant_key, tenant_of
from forms.varsling import i18n
from forms.varsling.security import BadToken, FailureLimiter, check_token, make_token
from models.errors import ValidationFailed
from models.i18n import current_locale, fmt_date
from models.i18n import gettext as _
from models.services import tenants, varsling_web
from models.services import varsling_cases as cases
from models.uow import UnitOfWork

router = APIRouter()
SUBMIT = "varsling-submit"
FOLLOW = "varsling-follow"


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.varsling_secret
    return tenant_key(request, secret)


def _base(request: Request, title: str, org_name: str = "") -> dict[str, Any]:
    return {"lang": current_locale(), "q": i18n.query(), "path": request.url.path, "reasons": i18n.REASONS,
            "statuses": i18n.STATUSES, "title": title, "org_name": org_name, "errors": {}, "notice": None}


def _form_context(request: Request, *, values: dict[str, Any], errors: dict[str, str] | None = None,
                  notice: str | None = None, selected: set[int] | None = None) -> dict[str, Any]:
    settings = settings_of(request)
    unit_id = form_id(values.get("unit"))
    tenant = tenant_of(request)
    with uow_of(request).write() as tx:
        choices = varsling_web.form_choices(session=tx, org_slug=tenant.slug, unit_id=unit_id,
                                            concerns_director=bool(values.get("concerns_director")))
        alternative = tenants.settings_for(tx, tenant.id, settings).varsling_alternative_contact
    ctx = _base(request, _("Varsle om kritikkverdige forhold"), choices.org.name)
    ctx.update(values=values, errors=errors or {}, notice=notice, plan=choices.plan, selected=selected,
               units=[{"id": i, "path": p} for i, p in choices.units], rutine_version=choices.rutine_version,
               limits=cases.LIMITS, alternative=alternative,
               token=make_token(_secret(request), SUBMIT), shown=_shown_key(values))
    return ctx


def _shown_key(values: dict[str, Any]) -> str:
    """What the recipient list shown was computed from; a send with other choices is shown again first."""
    return f"{values.get('unit') or ''}|{'1' if values.get('concerns_director') else ''}"


@router.get("/varsling", response_class=HTMLResponse)
def form_page(request: Request) -> Response:
    return render(request, "varsling/form.html", _form_context(request, values={}))


@router.post("/varsling", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in ("what", "where_when", "unit", "name", "contact")}
    values["concerns_director"] = bool(form.get("concerns_director"))
    selected = {n for n in map(form_id, form.getlist("recipient")) if n is not None}
    if values["unit"] and form_id(values["unit"]) is None:  # not a unit of ours, however it is spelt
        ctx = await run_in_threadpool(_form_context, request, values=values, selected=selected or None,
                                      errors={"unit": i18n.error_text("unknown_unit")})
        return render(request, "varsling/form.html", ctx, status_code=422)
    if form.get("action") != "send":
        return await run_in_threadpool(render, request, "varsling/form.html",
                                       await run_in_threadpool(_form_context, request, values=values,
                                                               selected=selected or None))
    try:
        nonce, exp = check_token(_secret(request), str(form.get("token") or ""), SUBMIT)
    except BadToken as exc:
        ctx = await run_in_threadpool(_form_context, request, values=values, selected=selected,
                                      notice=_token_text(exc))
        return render(request, "varsling/form.html", ctx, status_code=400)
    if str(form.get("shown") or "") != _shown_key(values):
        ctx = await run_in_threadpool(_form_context, request, values=values, notice=_("Mottakerlisten er oppdatert ut fra det du valgte. Kontroller den og trykk «Send varsel» igjen."))
        return render(request, "varsling/form.html", ctx, status_code=409)
    try:
        result = await run_in_threadpool(_submit, request, values, selected, nonce, exp)
    except ValidationFailed as exc:
        errors = {k: i18n.error_text(v) for k, v in exc.errors.items()}
        ctx = await run_in_threadpool(_form_context, request, values=values, errors=errors, selected=selected)
        return render(request, "varsling/form.html", ctx, status_code=422)
    except cases.ReplayedForm:
        ctx = _base(request, _("Varselet er sendt"))
        ctx.update(paragraphs=[], errors={}, notice=_("Dette skjemaet er allerede sendt. Det samme varselet sendes ikke to ganger."))
        return render(request, "varsling/page.html", ctx, status_code=409)
    ctx = _base(request, _("Varselet er sendt"))
    ctx.update(ref=result.ref, receipt=cases.vc.format_receipt(result.receipt))
    return render(request, "varsling/receipt.html", ctx)


def _token_text(exc: BadToken) -> str:
    if exc.reason == "expired":
        return _("Skjemaet var utløpt. Teksten din er tatt vare på her – kontroller og send på nytt.")
    return _("Skjemaet kunne ikke bekreftes (det kom ikke fra denne siden). Ingenting er sendt. Kontroller og send på nytt.")


def _submit(request: Request, values: dict[str, Any], selected: set[int], nonce: str, exp: int) -> cases.Submitted:
    settings = settings_of(request)
    today = cases.local_today(settings.tz_name)
    tenant, base_url = tenant_of(request), base_url_of(request)
    with uow_of(request).write() as tx:
        backup_email = tenants.settings_for(tx, tenant.id, settings).varsling_backup_email
        return cases.submit_varsel(
            session=tx, org_id=tenant.id, what=values["what"], where_when=values["where_when"],
            unit_id=form_id(values["unit"]),
            concerns_director=values["concerns_director"], name=values["name"], contact=values["contact"],
            selected_ids=selected, form_nonce=nonce, nonce_expires_on=date.fromtimestamp(exp), today=today,
            ack_days=settings.varsling_ack_days, feedback_months=settings.varsling_feedback_months,
            backup_email=backup_email, public_base_url=base_url)


# ---------------------------------------------------------------- follow-up with the receipt

def _follow_login(request: Request, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    ctx = _base(request, _("Følg opp varselet ditt"))
    ctx.update(errors=errors or {}, token=make_token(_secret(request), FOLLOW))
    return render(request, "varsling/follow_login.html", ctx, status_code=status)


@router.get("/varsling/oppfolging", response_class=HTMLResponse)
def follow_page(request: Request) -> Response:
    return _follow_login(request)


@router.post("/varsling/oppfolging", response_class=HTMLResponse)
async def follow(request: Request) -> Response:
    form = await request.form()
    try:
        check_token(_secret(request), str(form.get("token") or ""), FOLLOW)
    except BadToken as exc:
        return _follow_login(request, errors={"code": _token_text(exc)}, status=400)
    limiter: FailureLimiter = request.app.state.varsling_limiter
    rl_key = request.scope.get("state", {}).get("rl_key", "")
    wait = limiter.begin(rl_key)  # counted before the check: parallel requests cannot pass the limit
    if wait is None:
        return _follow_login(request, errors={"code": _("For mange feil forsøk. Vent et kvarter og prøv igjen.")}, status=429)
    if wait:
        await asyncio.sleep(wait)
    code = str(form.get("code") or "")
    message = str(form.get("message") or "")
    settings = settings_of(request)
    uow = uow_of(request)
    tenant = await run_in_threadpool(tenant_of, request)
    base_url = tenants.base_url_for(tenant.slug, settings, default=tenant.default)

    def work() -> cases.ReporterView:
        if form.get("action") != "reply":
            return _view_only(uow, tenant.id, code)
        with uow.write() as tx:
            return cases.reporter_reply(session=tx, org_id=tenant.id, receipt=code, text=message,
                                        today=cases.local_today(settings.tz_name), public_base_url=base_url)

    try:
        async with limiter.checking():
            view = await run_in_threadpool(work)
    except cases.UnknownReceipt:
        await asyncio.sleep(limiter.delay(limiter.failures(rl_key)))
        return _follow_login(request, errors={"code": _("Vi fant ingen sak med denne kvitteringskoden. Kontroller sifrene. Saker slettes etter oppbevaringstiden.")}, status=404)
    except ValidationFailed as exc:
        limiter.succeeded(rl_key)
        errors = {k: (_("Saken er avsluttet.") if v == "closed" else i18n.error_text(v)) for k, v in exc.errors.items()}
        view = await run_in_threadpool(_view_only, uow, tenant.id, code)
        return _case_page(request, view, code, errors=errors, message=message, status=422)
    limiter.succeeded(rl_key)
    notice = _("Svaret ditt er sendt.") if form.get("action") == "reply" else None
    return _case_page(request, view, code, notice=notice)


def _view_only(uow: UnitOfWork, org_id: int, code: str) -> cases.ReporterView:
    with uow.read() as tx:
        return cases.reporter_view(tx, org_id=org_id, receipt=code)


def _case_page(request: Request, view: cases.ReporterView, code: str, *,
               errors: dict[str, str] | None = None, notice: str | None = None, message: str = "",
               status: int = 200) -> Response:
    ctx = _base(request, _("Sak {ref}").format(ref=view.ref))
    ctx.update(v=view, code=cases.vc.format_receipt(cases.vc.normalise_receipt(code) or ""), errors=errors or {},
               notice=notice, message=message, token=make_token(_secret(request), FOLLOW))
    return render(request, "varsling/follow_case.html", ctx, status_code=status)


# ---------------------------------------------------------------- static pages

@router.get("/varsling/rutine", response_class=HTMLResponse)
def rutine_page(request: Request) -> Response:
    with uow_of(request).write() as tx:
        r = varsling_web.rutine_text(session=tx, org_slug=tenant_of(request).slug)
    ctx = _base(request, _("Varslingsrutinen"), r.org_name)
    ctx.update(subtitle=_("Versjon {v} ({date})").format(v=r.version, date=fmt_date(r.created_at)),
               paragraphs=[p.strip() for p in r.text.split("\n\n") if p.strip()])
    return render(request, "varsling/page.html", ctx)


@router.get("/varsling/tilgjengelighet", response_class=HTMLResponse)
def a11y_page(request: Request) -> Response:
    ctx = _base(request, _("Tilgjengelighetserklæring"))
    ctx.update(paragraphs=[_("Varslingssidene skal oppfylle kravene i WCAG 2.1 nivå AA, slik forskrift om universell utforming av IKT-løsninger krever. Sidene virker uten JavaScript, kan brukes med tastatur alene, har ledetekster på alle felt, feilmeldinger knyttet til feltene og tilstrekkelig kontrast. De testes automatisk med axe-core ved hver endring. Vi kjenner ikke til brudd på kravene. Finner du noe som ikke virker, kan du si fra til kommunen eller til Tilsynet for universell utforming av IKT (uutilsynet.no).")])
    return render(request, "varsling/page.html", ctx)

