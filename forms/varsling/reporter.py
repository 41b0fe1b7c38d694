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
from models.services import tenants, varsling_web
from models.services import varsling_cases as cases
from models.uow import UnitOfWork

router = APIRouter()
SUBMIT = "varsling-submit"
FOLLOW = "varsling-follow"


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.varsling_secret
    return tenant_key(request, secret)


def _base(request: Request, lang: str, title: str, org_name: str = "") -> dict[str, Any]:
    return {"lang": lang, "t": i18n.translator(lang), "q": "" if lang == "nb" else f"?lang={lang}",
            "path": request.url.path, "lang_names": i18n.LANG_NAMES, "title": title, "org_name": org_name,
            "errors": {}, "notice": None}


def _form_context(request: Request, lang: str, *, values: dict[str, Any], errors: dict[str, str] | None = None,
                  notice: str | None = None, selected: set[int] | None = None) -> dict[str, Any]:
    settings = settings_of(request)
    t = i18n.translator(lang)
    unit_id = form_id(values.get("unit"))
    tenant = tenant_of(request)
    with uow_of(request).write() as tx:
        choices = varsling_web.form_choices(session=tx, org_slug=tenant.slug, unit_id=unit_id,
                                            concerns_director=bool(values.get("concerns_director")))
        alternative = tenants.settings_for(tx, tenant.id, settings).varsling_alternative_contact
    ctx = _base(request, lang, t("form_title"), choices.org.name)
    ctx.update(values=values, errors=errors or {}, notice=notice, plan=choices.plan, selected=selected,
               units=[{"id": i, "path": p} for i, p in choices.units], rutine_version=choices.rutine_version,
               limits=cases.LIMITS, alternative=alternative,
               token=make_token(_secret(request), SUBMIT), shown=_shown_key(values))
    return ctx


def _shown_key(values: dict[str, Any]) -> str:
    """What the recipient list shown was computed from; a send with other choices is shown again first."""
    return f"{values.get('unit') or ''}|{'1' if values.get('concerns_director') else ''}"


@router.get("/varsling", response_class=HTMLResponse)
def form_page(request: Request, lang: str | None = None) -> Response:
    lang = i18n.pick_lang(lang)
    return render(request, "varsling/form.html", _form_context(request, lang, values={}))


@router.post("/varsling", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    form = await request.form()
    lang = i18n.pick_lang(str(form.get("lang") or request.query_params.get("lang") or "nb"))
    t = i18n.translator(lang)
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in ("what", "where_when", "unit", "name", "contact")}
    values["concerns_director"] = bool(form.get("concerns_director"))
    selected = {n for n in map(form_id, form.getlist("recipient")) if n is not None}
    if values["unit"] and form_id(values["unit"]) is None:  # not a unit of ours, however it is spelt
        ctx = await run_in_threadpool(_form_context, request, lang, values=values, selected=selected or None,
                                      errors={"unit": i18n.error_text(lang, "unknown_unit")})
        return render(request, "varsling/form.html", ctx, status_code=422)
    if form.get("action") != "send":
        return await run_in_threadpool(render, request, "varsling/form.html",
                                       await run_in_threadpool(_form_context, request, lang, values=values,
                                                               selected=selected or None))
    try:
        nonce, exp = check_token(_secret(request), str(form.get("token") or ""), SUBMIT)
    except BadToken as exc:
        ctx = await run_in_threadpool(_form_context, request, lang, values=values, selected=selected,
                                      notice=t("token_expired" if exc.reason == "expired" else "token_invalid"))
        return render(request, "varsling/form.html", ctx, status_code=400)
    if str(form.get("shown") or "") != _shown_key(values):
        ctx = await run_in_threadpool(_form_context, request, lang, values=values, notice=t("changed"))
        return render(request, "varsling/form.html", ctx, status_code=409)
    try:
        result = await run_in_threadpool(_submit, request, values, selected, nonce, exp)
    except ValidationFailed as exc:
        errors = {k: i18n.error_text(lang, v) for k, v in exc.errors.items()}
        ctx = await run_in_threadpool(_form_context, request, lang, values=values, errors=errors, selected=selected)
        return render(request, "varsling/form.html", ctx, status_code=422)
    except cases.ReplayedForm:
        ctx = _base(request, lang, t("receipt_title"))
        ctx.update(paragraphs=[], errors={}, notice=t("replayed"))
        return render(request, "varsling/page.html", ctx, status_code=409)
    ctx = _base(request, lang, t("receipt_title"))
    ctx.update(ref=result.ref, receipt=cases.vc.format_receipt(result.receipt))
    return render(request, "varsling/receipt.html", ctx)


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

def _follow_login(request: Request, lang: str, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    t = i18n.translator(lang)
    ctx = _base(request, lang, t("follow_title"))
    ctx.update(errors=errors or {}, token=make_token(_secret(request), FOLLOW))
    return render(request, "varsling/follow_login.html", ctx, status_code=status)


@router.get("/varsling/oppfolging", response_class=HTMLResponse)
def follow_page(request: Request, lang: str | None = None) -> Response:
    return _follow_login(request, i18n.pick_lang(lang))


@router.post("/varsling/oppfolging", response_class=HTMLResponse)
async def follow(request: Request) -> Response:
    form = await request.form()
    lang = i18n.pick_lang(str(form.get("lang") or request.query_params.get("lang") or "nb"))
    t = i18n.translator(lang)
    try:
        check_token(_secret(request), str(form.get("token") or ""), FOLLOW)
    except BadToken as exc:
        return _follow_login(request, lang, errors={"code": t("token_expired" if exc.reason == "expired"
                                                              else "token_invalid")}, status=400)
    limiter: FailureLimiter = request.app.state.varsling_limiter
    rl_key = request.scope.get("state", {}).get("rl_key", "")
    wait = limiter.begin(rl_key)  # counted before the check: parallel requests cannot pass the limit
    if wait is None:
        return _follow_login(request, lang, errors={"code": t("too_many")}, status=429)
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
        return _follow_login(request, lang, errors={"code": t("bad_code")}, status=404)
    except ValidationFailed as exc:
        limiter.succeeded(rl_key)
        errors = {k: (t("err_closed") if v == "closed" else i18n.error_text(lang, v)) for k, v in exc.errors.items()}
        view = await run_in_threadpool(_view_only, uow, tenant.id, code)
        return _case_page(request, lang, view, code, errors=errors, message=message, status=422)
    limiter.succeeded(rl_key)
    notice = t("reply_sent") if form.get("action") == "reply" else None
    return _case_page(request, lang, view, code, notice=notice)


def _view_only(uow: UnitOfWork, org_id: int, code: str) -> cases.ReporterView:
    with uow.read() as tx:
        return cases.reporter_view(tx, org_id=org_id, receipt=code)


def _case_page(request: Request, lang: str, view: cases.ReporterView, code: str, *,
               errors: dict[str, str] | None = None, notice: str | None = None, message: str = "",
               status: int = 200) -> Response:
    t = i18n.translator(lang)
    ctx = _base(request, lang, f"{t('case')} {view.ref}")
    ctx.update(v=view, code=cases.vc.format_receipt(cases.vc.normalise_receipt(code) or ""), errors=errors or {},
               notice=notice, message=message, token=make_token(_secret(request), FOLLOW))
    return render(request, "varsling/follow_case.html", ctx, status_code=status)


# ---------------------------------------------------------------- static pages

@router.get("/varsling/rutine", response_class=HTMLResponse)
def rutine_page(request: Request, lang: str | None = None) -> Response:
    lang = i18n.pick_lang(lang)
    t = i18n.translator(lang)
    tenant = tenant_of(request)
    with uow_of(request).write() as tx:
        r = varsling_web.rutine_text(session=tx, org_slug=tenant.slug)
    ctx = _base(request, lang, t("rutine_title"), r.org_name)
    ctx.update(subtitle=f"{t('rutine_version', v=r.version)} ({r.created_at:%d.%m.%Y})",
               paragraphs=[p.strip() for p in r.text.split("\n\n") if p.strip()])
    return render(request, "varsling/page.html", ctx)


@router.get("/varsling/tilgjengelighet", response_class=HTMLResponse)
def a11y_page(request: Request, lang: str | None = None) -> Response:
    lang = i18n.pick_lang(lang)
    t = i18n.translator(lang)
    ctx = _base(request, lang, t("a11y_title"))
    ctx.update(paragraphs=[t("a11y_body")])
    return render(request, "varsling/page.html", ctx)

