"""The staff web pages: everything a person can do in chat, in a browser without JavaScript.

Forms come from the same neutral specs the chat uses (`bot/conversation/forms.py`, via
`Conversation.handle_action`) and are submitted through `Conversation.submit_form`, so the
rules, the field names and the Norwegian error messages are the chat's own. Routes only
translate: HTTP in, domain call, HTML out. Bad input re-shows the form with the values and
the errors on their fields (4xx); a case the person may not see is a 404.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.conversation import forms as conv_forms
from bot.conversation.channel import ChannelUser, Interaction
from bot.conversation.engine import Conversation
from forms.staff import queries as q
from forms.staff.web import (
    COOKIE,
    Halt,
    Me,
    StaffRoute,
    csrf_ok,
    current,
    engine_of,
    reading,
    render,
    safe_next,
    same_origin,
    set_session_cookie,
    settings_of,
)
from forms.varsling.security import BadToken, check_token, make_token
from models.db import session_scope
from models.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from models.messages import Form
from models.services import avvik as avvik_svc
from models.services import checklists, oppdrag, web_auth
from models.services import org as org_svc
from models.tables import Unit
from models.vocabulary import CHECK_ANSWERS

router = APIRouter(route_class=StaffRoute)
log = logging.getLogger("trad.web")

OK_MESSAGES = {
    "tatt": "Du har tatt saken. Melderen har fått beskjed.",
    "tiltak": "Tiltaket er lagret. Melderen har fått beskjed.",
    "lukket": "Avviket er lukket. Melderen har fått beskjed.",
    "gjenapnet": "Avviket er gjenåpnet.",
    "utfort": "Tiltaket er markert som utført.",
    "oppdatert": "Oppdraget er oppdatert.",
    "registrert": "Svaret er registrert.",
}
LOGIN_SENT = "Hvis adressen er registrert, har vi sendt deg en lenke"


def _now() -> datetime:
    return datetime.now(UTC)


def _conv(request: Request) -> Conversation:
    conversation: Conversation = request.app.state.wiring.conversation
    return conversation


def _user(me: Me) -> ChannelUser:
    return ChannelUser(platform="web", workspace="web", user_id=str(me.person_id))


def _to_login(request: Request) -> Response:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/logg-inn?neste={path}" if path != "/" else "/logg-inn", status_code=303)


def _problem(request: Request, me: Me | None, exc: DomainError) -> Response:
    status = exc.http_status if exc.http_status >= 400 else 400
    title = {404: "Fant ikke siden", 403: "Ikke tillatt", 409: "Kan ikke gjøres nå"}.get(status, "Noe er galt")
    return render(request, "info.html", {"me": me, "title": title, "paragraphs": [exc.message]}, status_code=status)


def _forbidden(request: Request, me: Me | None) -> Response:
    return render(request, "info.html", {"me": me, "title": "Ikke tillatt", "paragraphs": [
        "Skjemaet kunne ikke bekreftes (det kan være for gammelt, eller sendt fra en annen side). "
        "Gå tilbake, last siden på nytt og prøv igjen. Ingenting er lagret."]}, status_code=403)


async def _form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


@dataclass(frozen=True)
class SignedPost:
    me: Me
    data: dict[str, str]


async def signed_in_post(request: Request) -> SignedPost:
    """A POST from a signed-in person whose form carries this session's CSRF token; otherwise answer now."""
    data = await _form_data(request)
    me = await run_in_threadpool(current, request)
    if me is None:
        raise Halt(_to_login(request))
    if not csrf_ok_(request, me, data):
        raise Halt(_forbidden(request, me))
    return SignedPost(me=me, data=data)


PostDep = Annotated[SignedPost, Depends(signed_in_post)]


def _ok(request: Request) -> str | None:
    return OK_MESSAGES.get(request.query_params.get("ok", ""))


# ------------------------------------------------------------------------------------ sign-in
def _login_token(request: Request, purpose: str) -> str:
    return make_token(request.app.state.staff_secret, purpose, ttl=3600)


def _login_token_ok(request: Request, token: str | None, purpose: str) -> bool:
    try:
        check_token(request.app.state.staff_secret, token, purpose)
    except BadToken:
        return False
    return True


@router.get("/logg-inn")
def login_page(request: Request, neste: str = "") -> Response:
    me = current(request)
    return render(request, "login.html", {"me": me, "title": "Logg inn", "neste": safe_next(neste) if neste else "",
                                          "token": _login_token(request, "login")})


@router.post("/logg-inn")
async def login_request(request: Request, background: BackgroundTasks) -> Response:
    data = await _form_data(request)
    if not same_origin(request) or not _login_token_ok(request, data.get("token"), "login"):
        return _forbidden(request, None)
    email = data.get("email", "").strip()
    if "@" not in email or len(email) > 320:
        return render(request, "login.html", {"title": "Logg inn", "token": _login_token(request, "login"),
                                              "errors": {"email": "Skriv e-postadressen du bruker på jobb, "
                                                                  "f.eks. navn@kommune.no."},
                                              "values": {"email": email[:320]}}, status_code=422)
    settings = settings_of(request)
    engine = engine_of(request)

    def send() -> None:
        try:
            with session_scope(engine) as s:
                web_auth.request_link(session=s, org_id=org_svc.default_org(s).id, email=email,  # type: ignore[arg-type]
                                      public_base_url=settings.public_base_url)
        except Exception:  # noqa: BLE001 - the answer is already sent; never log the address
            log.exception("sending a sign-in link failed")

    # After the response: the answer and its timing are the same whether or not the address exists.
    background.add_task(run_in_threadpool, send)
    return render(request, "info.html", {"title": "Sjekk chatten eller e-posten", "paragraphs": [
        f"{LOGIN_SENT}. Du får den i Slack eller Teams hvis du bruker det, ellers på e-post.",
        "Lenken gjelder i 15 minutter og kan brukes én gang."]})


@router.get("/logg-inn/lenke")
def link_page(request: Request, t: str = "") -> Response:
    # A GET never spends the link: chat and e-mail clients fetch links to preview them.
    with reading(engine_of(request)) as s:
        usable = bool(t) and web_auth.link_is_usable(s, token=t)
    if not usable:
        return render(request, "info.html", {"title": "Lenken virker ikke", "paragraphs": [
            "Innloggingslenken er brukt eller utløpt. Be om en ny lenke."], "login_link": True}, status_code=410)
    return render(request, "link.html", {"title": "Logg inn", "login_token": t,
                                         "token": _login_token(request, "redeem")})


@router.post("/logg-inn/lenke")
async def link_redeem(request: Request) -> Response:
    data = await _form_data(request)
    if not same_origin(request) or not _login_token_ok(request, data.get("token"), "redeem"):
        return _forbidden(request, None)
    engine = engine_of(request)

    def do() -> str:
        with session_scope(engine) as s:
            cookie, _ = web_auth.redeem_link(session=s, token=data.get("t", ""))
            return cookie

    try:
        cookie = await run_in_threadpool(do)
    except DomainError as exc:
        return render(request, "info.html", {"title": "Lenken virker ikke", "paragraphs": [exc.message],
                                             "login_link": True}, status_code=410)
    resp = RedirectResponse("/", status_code=303)
    set_session_cookie(request, resp, cookie)
    return resp


@router.post("/logg-ut")
async def logout(request: Request) -> Response:
    data = await _form_data(request)
    me = await run_in_threadpool(current, request)
    if me is not None and data.get("csrf") == me.csrf and same_origin(request):
        engine = engine_of(request)

        def do() -> None:
            with session_scope(engine) as s:
                web_auth.end_session(session=s, cookie=me.cookie)

        await run_in_threadpool(do)
    elif me is not None:
        return _forbidden(request, me)
    resp = RedirectResponse("/logg-inn", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


# ------------------------------------------------------------------------------------ mine saker
@router.get("/")
def home(request: Request) -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    now = _now()
    tz = settings_of(request).tz_name
    with reading(engine_of(request)) as s:
        mine = avvik_svc.list_my_avvik(session=s, person_id=me.person_id)
        rows = q.avvik_rows(s, mine, now=now, with_history=True, actor_id=me.person_id, tz=tz)
        opp = q.oppdrag_rows(oppdrag.list_my_oppdrag(session=s, person_id=me.person_id), now=now)
        due = len(checklists.list_due_checklists(session=s, actor_id=me.person_id, now=now)) if me.is_leader else 0
    return render(request, "home.html", {"me": me, "title": "Mine saker", "rows": rows, "oppdrag": opp,
                                         "due": due, "fmt": q.fmt_dt, "tz": tz, "notice": _ok(request)})


# ------------------------------------------------------------------------------------ avvik
def _avvik_form(request: Request, me: Me) -> Form:
    return _conv(request).open_avvik_form(me.person_id)


def _form_values(form: Form, data: dict[str, str]) -> dict[str, str]:
    """The submitted values for the form's fields; a datetime is two inputs (date and time)."""
    values: dict[str, str] = {}
    for f in form.fields:
        if f.kind == "datetime":
            d, t = data.get(f.name, "").strip(), data.get(f"{f.name}_time", "").strip()
            values[f.name] = f"{d}T{t}" if d and t else d
            values[f"{f.name}_time"] = t
        else:
            values[f.name] = data.get(f.name, "")[:20000]
    return values


def _required_errors(form: Form, values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for f in form.fields:
        if f.required and not values.get(f.name, "").strip():
            errors[f.name] = "Velg et alternativ." if f.kind == "select" else "Fyll ut dette feltet."
        elif f.kind == "datetime" and values.get(f.name) and not values.get(f"{f.name}_time"):
            errors[f.name] = "Fyll ut både dato og klokkeslett."
    return errors


def _render_form(request: Request, me: Me, form: Form, *, action: str, title: str, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200, intro: str | None = None,
                 back: tuple[str, str] | None = None, nonce: str | None = None) -> Response:
    vals = dict(values or {})
    if values is None:
        for f in form.fields:
            if f.initial is not None:
                vals[f.name] = f.initial
    field_names = {f.name for f in form.fields}
    errs = dict(errors or {})
    general = [m for k, m in errs.items() if k not in field_names]
    return render(request, "form.html", {
        "me": me, "title": title, "form": form, "action": action, "values": vals,
        "errors": {f.name: errs[f.name] for f in form.fields if f.name in errs}, "general": general, "intro": intro,
        "back": back, "nonce": nonce}, status_code=status)


@router.get("/avvik/ny")
def avvik_new(request: Request) -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    form = _avvik_form(request, me)
    d, t = q.today_iso(_now(), settings_of(request).tz_name)
    values = {f.name: f.initial for f in form.fields if f.initial is not None}
    values.update({"occurred_at": d, "occurred_at_time": t})
    return _render_form(request, me, form, action="/avvik/ny", title="Meld avvik", values=values,  # type: ignore[arg-type]
                        nonce=secrets.token_urlsafe(16),
                        intro="Meld fra om noe som gikk galt eller kunne ha gått galt. Lederen din får beskjed.")


@router.post("/avvik/ny")
async def avvik_create(request: Request, post: PostDep) -> Response:
    me, data = post.me, post.data
    nonce = data.get("nonce", "")[:64] or secrets.token_urlsafe(16)
    settings = settings_of(request)

    def do() -> Response:
        form = _avvik_form(request, me)
        values = _form_values(form, data)
        errors = _required_errors(form, values)
        try:
            # Collect every field's problem at once: required fields, the shared parser, the domain's checks.
            parsed = None
            try:
                parsed = conv_forms.parse_avvik_form(values, now=_now(), tz=settings.tz_name)
                avvik_svc.validate_avvik_input(parsed)
            except ValidationFailed as exc:
                errors = {**exc.errors, **errors}
            if errors or parsed is None:
                raise ValidationFailed(errors)
            with session_scope(engine_of(request)) as s:
                # Same parser and use case as the chat; the nonce makes a double click one avvik.
                a = avvik_svc.report_avvik(session=s, reporter_id=me.person_id, data=parsed, source="web",
                                           idempotency_key=f"web:{me.person_id}:{nonce}")
                unit = s.get(Unit, a.unit_id)
                number, title, unit_name = a.number, a.title, unit.name if unit else "–"
        except ValidationFailed as exc:
            return _render_form(request, me, form, action="/avvik/ny", title="Meld avvik", values=values,
                                errors={**errors, **exc.errors}, status=422, nonce=nonce)
        except DomainError as exc:
            return _render_form(request, me, form, action="/avvik/ny", title="Meld avvik", values=values,
                                errors={"form": exc.message}, status=exc.http_status, nonce=nonce)
        return render(request, "receipt.html", {"me": me, "title": "Avviket er registrert", "number": number,
                                                "avvik_title": title, "unit_name": unit_name})

    return await run_in_threadpool(do)


def csrf_ok_(request: Request, me: Me, data: dict[str, str]) -> bool:
    """The form's CSRF token matches this session, and the post does not come from another site."""
    return same_origin(request) and csrf_ok(request, me, data)


def _find(s: Any, me: Me, number: str) -> int:
    if not number.isdigit() or len(number) > 9:
        raise NotFound("Fant ikke avviket.")
    return avvik_svc.find_avvik_id(session=s, actor_id=me.person_id, number=int(number))


@router.get("/avvik/{number}")
def avvik_detail(request: Request, number: str) -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    tz = settings_of(request).tz_name
    try:
        with reading(engine_of(request)) as s:
            avvik_id = _find(s, me, number)
            a = avvik_svc.get_avvik(session=s, actor_id=me.person_id, avvik_id=avvik_id)
            row = q.avvik_rows(s, [a], now=_now(), tz=tz)[0]
            row.history = q.history(s, actor_id=me.person_id, avvik_id=avvik_id, tz=tz)
            row.tiltak = avvik_svc.list_tiltak(session=s, actor_id=me.person_id, avvik_id=avvik_id)
            owners = {t.owner_id: q.person_name(s, t.owner_id) for t in row.tiltak}
            reporter = q.person_name(s, a.reporter_id)
            assignee = q.person_name(s, a.assignee_id) if a.assignee_id else None
    except DomainError as exc:
        return _problem(request, me, exc)
    manage = me.actor.manages(a.unit_id) or a.assignee_id == me.person_id
    return render(request, "avvik.html", {"me": me, "title": f"AV-{a.number} {a.title}", "row": row, "a": a,
                                          "manage": manage, "owners": owners, "reporter": reporter,
                                          "assignee": assignee, "fmt": q.fmt_dt, "tz": tz, "notice": _ok(request)})


@router.post("/avvik/{number}/ta")
async def avvik_take(request: Request, number: str, post: PostDep) -> Response:
    me = post.me

    def do() -> Response:
        try:
            with session_scope(engine_of(request)) as s:
                avvik_id = _find(s, me, number)
            _conv(request).handle_action(Interaction(user=_user(me), person_id=me.person_id, action_id="avvik.take",
                                                     value=str(avvik_id)))
        except DomainError as exc:
            return _problem(request, me, exc)
        return RedirectResponse(f"/avvik/{number}?ok=tatt", status_code=303)

    return await run_in_threadpool(do)


@router.post("/tiltak/{tiltak_id}/utfort")
async def tiltak_done(request: Request, tiltak_id: str, post: PostDep) -> Response:
    me, data = post.me, post.data
    if not tiltak_id.isdigit():
        return _forbidden(request, me)
    back = data.get("avvik", "")

    def do() -> Response:
        try:
            _conv(request).handle_action(Interaction(user=_user(me), person_id=me.person_id, action_id="tiltak.done",
                                                     value=tiltak_id))
        except DomainError as exc:
            return _problem(request, me, exc)
        return RedirectResponse(f"/avvik/{back}?ok=utfort" if back.isdigit() else "/?ok=utfort", status_code=303)

    return await run_in_threadpool(do)


# Forms opened by a leader's button: (action id, page title, success code).
AVVIK_FORMS = {"tiltak": ("avvik.add_tiltak", "Legg til tiltak", "tiltak"),
               "lukk": ("avvik.close", "Lukk avvik", "lukket"),
               "gjenapne": ("avvik.reopen", "Gjenåpne avvik", "gjenapnet")}


def _manage_form(request: Request, me: Me, number: str, which: str) -> tuple[Form, int]:
    action_id = AVVIK_FORMS[which][0]
    with reading(engine_of(request)) as s:
        avvik_id = _find(s, me, number)
        a = avvik_svc.get_avvik(session=s, actor_id=me.person_id, avvik_id=avvik_id)
    if not (me.actor.manages(a.unit_id) or a.assignee_id == me.person_id):
        raise PermissionDenied("Bare lederen for enheten kan behandle dette avviket.")
    replies = _conv(request).handle_action(Interaction(user=_user(me), person_id=me.person_id, action_id=action_id,
                                                       value=str(avvik_id)))
    form = replies[0].form
    assert form is not None
    return form, avvik_id


@router.get("/avvik/{number}/{which}")
def avvik_form_page(request: Request, number: str, which: str) -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    if which not in AVVIK_FORMS:
        return _problem(request, me, NotFound("Fant ikke siden."))
    try:
        form, _ = _manage_form(request, me, number, which)
    except DomainError as exc:
        return _problem(request, me, exc)
    values = None
    if form.form_id == "avvik.add_tiltak":
        values = {f.name: f.initial for f in form.fields if f.initial is not None}
    return _render_form(request, me, form, action=f"/avvik/{number}/{which}", title=AVVIK_FORMS[which][1],
                        values=values, back=(f"/avvik/{number}", f"Tilbake til AV-{number}"))  # type: ignore[arg-type]


@router.post("/avvik/{number}/{which}")
async def avvik_form_submit(request: Request, number: str, which: str, post: PostDep) -> Response:
    me, data = post.me, post.data
    if which not in AVVIK_FORMS:
        return _problem(request, me, NotFound("Fant ikke siden."))

    def do() -> Response:
        try:
            form, _ = _manage_form(request, me, number, which)
        except DomainError as exc:
            return _problem(request, me, exc)
        return _submit(request, me, form, data, action=f"/avvik/{number}/{which}", title=AVVIK_FORMS[which][1],
                       done=f"/avvik/{number}?ok={AVVIK_FORMS[which][2]}",
                       back=(f"/avvik/{number}", f"Tilbake til AV-{number}"))

    return await run_in_threadpool(do)


def _submit(request: Request, me: Me, form: Form, data: dict[str, str], *, action: str, title: str, done: str,
            back: tuple[str, str] | None = None, intro: str | None = None) -> Response:
    """Submit a neutral form through the conversation layer; re-show it with errors on the fields."""
    values = _form_values(form, data)
    errors = _required_errors(form, values)
    try:
        if errors:
            raise ValidationFailed(errors)
        _conv(request).submit_form(Interaction(user=_user(me), person_id=me.person_id, action_id=form.form_id,
                                               values=values, context=form.context))
    except ValidationFailed as exc:
        return _render_form(request, me, form, action=action, title=title, values=values,
                            errors={**errors, **exc.errors}, status=422, back=back, intro=intro)
    except DomainError as exc:
        return _render_form(request, me, form, action=action, title=title, values=values,
                            errors={"form": exc.message}, status=exc.http_status, back=back, intro=intro)
    return RedirectResponse(done, status_code=303)


# ------------------------------------------------------------------------------------ leder
@router.get("/leder")
def leader(request: Request, sorter: str = "alder") -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    if not me.is_leader:
        return render(request, "info.html", {"me": me, "title": "Ikke tillatt", "paragraphs": [
            "Ledervisningen er for ledere. Du finner dine egne saker under «Mine saker»."]}, status_code=403)
    now = _now()
    sort = sorter if sorter in q.SORTS else "alder"
    with reading(engine_of(request)) as s:
        items = avvik_svc.list_unit_avvik(session=s, actor_id=me.person_id, limit=500)
        rows = q.sort_rows(q.avvik_rows(s, items, now=now), sort)
        overdue = q.overdue_tiltak(s, me.actor, now=now)
        completion = q.checklist_completion(s, actor_id=me.person_id, now=now)
        opp = [r for r in q.oppdrag_rows(oppdrag.list_my_oppdrag(session=s, person_id=me.person_id), now=now)
               if r.needs_update]
    return render(request, "leader.html", {"me": me, "title": "Ledervisning", "rows": rows, "sort": sort,
                                           "overdue": overdue, "completion": completion, "oppdrag": opp})


# ------------------------------------------------------------------------------------ sjekkliste
@router.get("/sjekkliste")
def checklist(request: Request) -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    with reading(engine_of(request)) as s:
        items = checklists.list_checklist(session=s, actor_id=me.person_id, now=_now())
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for it in items:
        groups.setdefault((it.unit_name, it.template_name, it.period), []).append(it)
    return render(request, "checklist.html", {"me": me, "title": "Sjekkliste", "groups": groups,
                                              "answers": CHECK_ANSWERS, "notice": _ok(request)})


@router.post("/sjekkliste")
async def checklist_answer(request: Request, post: PostDep) -> Response:
    me, data = post.me, post.data
    answer = data.get("answer", "")
    if answer not in ("ja", "ikke_relevant") or not data.get("unit_id", "").isdigit() \
            or not data.get("item_id", "").isdigit():
        return render(request, "info.html", {"me": me, "title": "Noe er galt", "paragraphs": [
            "Velg «Ja», «Nei» eller «Ikke relevant» for et sjekkpunkt i listen."]}, status_code=400)

    def do() -> Response:
        try:
            _conv(request).handle_action(Interaction(user=_user(me), person_id=me.person_id,
                                                     action_id=f"check.{answer}",
                                                     value=f"{data['unit_id']}:{data['item_id']}"))
        except DomainError as exc:
            return _problem(request, me, exc)
        return RedirectResponse("/sjekkliste?ok=registrert", status_code=303)

    return await run_in_threadpool(do)


def _nei_form(request: Request, me: Me, unit: str, item: str) -> Form:
    if not (unit.isdigit() and item.isdigit()):
        raise NotFound("Fant ikke sjekkpunktet.")
    with reading(engine_of(request)) as s:
        due = {(i.unit_id, i.item_id) for i in checklists.list_checklist(session=s, actor_id=me.person_id, now=_now())}
    if (int(unit), int(item)) not in due:
        raise NotFound("Fant ikke sjekkpunktet i sjekklistene dine.")
    replies = _conv(request).handle_action(Interaction(user=_user(me), person_id=me.person_id, action_id="check.nei",
                                                       value=f"{unit}:{item}"))
    assert replies[0].form is not None
    return replies[0].form


NEI_INTRO = "Et «nei» blir registrert som et avvik for enheten. Beskriv kort hva som mangler."


@router.get("/sjekkliste/nei")
def checklist_nei(request: Request, enhet: str = "", punkt: str = "") -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    try:
        form = _nei_form(request, me, enhet, punkt)
    except DomainError as exc:
        return _problem(request, me, exc)
    return _render_form(request, me, form, action=f"/sjekkliste/nei?enhet={enhet}&punkt={punkt}",
                        title="Sjekkpunkt: nei", intro=NEI_INTRO, back=("/sjekkliste", "Tilbake til sjekklisten"))


@router.post("/sjekkliste/nei")
async def checklist_nei_submit(request: Request, enhet: str = "", punkt: str = "") -> Response:
    data = await _form_data(request)
    me = await run_in_threadpool(current, request)
    if me is None:
        return _to_login(request)
    if not csrf_ok_(request, me, data):
        return _forbidden(request, me)

    def do() -> Response:
        try:
            form = _nei_form(request, me, enhet, punkt)
        except DomainError as exc:
            return _problem(request, me, exc)
        return _submit(request, me, form, data, action=f"/sjekkliste/nei?enhet={enhet}&punkt={punkt}",
                       title="Sjekkpunkt: nei", done="/sjekkliste?ok=registrert", intro=NEI_INTRO,
                       back=("/sjekkliste", "Tilbake til sjekklisten"))

    return await run_in_threadpool(do)


# ------------------------------------------------------------------------------------ oppdrag
def _oppdrag_page(request: Request, me: Me, number: str, *, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    if not number.isdigit() or len(number) > 9:
        return _problem(request, me, NotFound("Fant ikke oppdraget."))
    tz = settings_of(request).tz_name
    try:
        with reading(engine_of(request)) as s:
            o = oppdrag.get_oppdrag(session=s, actor_id=me.person_id, number=int(number))
            row = q.oppdrag_rows([o], now=_now())[0]
            may = q.may_update_oppdrag(s, me.actor, o)
            hist = [(q.fmt_dt(u.at, tz), u, q.person_name(s, u.actor_id))
                    for u in oppdrag.oppdrag_history(session=s, oppdrag_id=o.id)]  # type: ignore[arg-type]
            owner = q.person_name(s, o.owner_id)
    except DomainError as exc:
        return _problem(request, me, exc)
    form = conv_forms.oppdrag_form(o) if may else None
    vals = values if values is not None else ({f.name: f.initial for f in form.fields if f.initial is not None}
                                              if form else {})
    field_names = {f.name for f in form.fields} if form else set()
    errs = errors or {}
    return render(request, "oppdrag.html", {
        "me": me, "title": f"Oppdrag {o.number}: {o.title}", "row": row, "o": o, "form": form, "owner": owner,
        "history": hist, "values": vals, "errors": {k: v for k, v in errs.items() if k in field_names},
        "general": [v for k, v in errs.items() if k not in field_names], "notice": _ok(request),
        "statuses": conv_forms.OPPDRAG_STATUSES}, status_code=status)


@router.get("/oppdrag/{number}")
def oppdrag_detail(request: Request, number: str) -> Response:
    me = current(request)
    if me is None:
        return _to_login(request)
    return _oppdrag_page(request, me, number)


@router.post("/oppdrag/{number}")
async def oppdrag_update(request: Request, number: str, post: PostDep) -> Response:
    me, data = post.me, post.data

    def do() -> Response:
        if not number.isdigit():
            return _problem(request, me, NotFound("Fant ikke oppdraget."))
        values = {k: data.get(k, "")[:20000] for k in ("status", "progress", "comment")}
        try:
            _conv(request).submit_form(Interaction(user=_user(me), person_id=me.person_id, action_id="oppdrag.update",
                                                   values=values, context={"number": number}))
        except ValidationFailed as exc:
            return _oppdrag_page(request, me, number, values=values, errors=exc.errors, status=422)
        except DomainError as exc:
            return _oppdrag_page(request, me, number, values=values, errors={"form": exc.message},
                                 status=exc.http_status)
        return RedirectResponse(f"/oppdrag/{number}?ok=oppdatert", status_code=303)

    return await run_in_threadpool(do)
