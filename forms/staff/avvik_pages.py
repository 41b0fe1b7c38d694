"""Mine saker and the avvik pages: report one, see one, and (as its leader) take, add tiltak, close, reopen."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.conversation import forms as conv_forms
from bot.conversation.channel import Interaction
from forms.deps import ConversationDep, SettingsDep, UowDep, conversation_of, settings_of, uow_of
from forms.numbers import form_id
from forms.staff.neutral_forms import FormPage, form_values, render_form, required_errors, submit
from forms.staff.pageutil import PostDep, forbidden, now, ok_notice, problem, to_login, user_of
from forms.staff.web import Me, StaffRoute, current, render
from models.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.messages import Form
from models.services import avvik as avvik_svc
from models.services import staff_views as views

router = APIRouter(route_class=StaffRoute)
NEW = FormPage(action="/avvik/ny", title=N_("Meld avvik"),
               intro=N_("Meld fra om noe som gikk galt eller kunne ha gått galt. Lederen for enheten du velger får beskjed."))


@router.get("/")
def home(request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    tz = settings.tz_name
    with uow.read() as tx:
        view = views.home_view(tx, person_id=me.person_id, is_leader=me.is_leader, now=now(), tz=tz)
    return render(request, "home.html", {"me": me, "title": N_("Mine saker"), "rows": view.rows, "oppdrag": view.oppdrag,
                                         "due": view.due, "fmt": views.fmt_dt, "tz": tz, "notice": ok_notice(request)})


@router.get("/avvik/ny")
def avvik_new(request: Request, conversation: ConversationDep, settings: SettingsDep) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    form = conversation.open_avvik_form(me.person_id)
    d, t = views.today_iso(now(), settings.tz_name)
    values = {f.name: f.initial for f in form.fields if f.initial is not None}
    values.update({"occurred_at": d, "occurred_at_time": t})
    page = FormPage(action=NEW.action, title=NEW.title, intro=NEW.intro, nonce=secrets.token_urlsafe(16))
    return render_form(request, me, form, page, values=values)


def _report(request: Request, me: Me, data: dict[str, str], nonce: str) -> Response:
    """Collect every field's problem at once (required fields, the shared parser, the domain's checks), then report."""
    form = conversation_of(request).open_avvik_form(me.person_id)
    page = FormPage(action=NEW.action, title=NEW.title, nonce=nonce)
    values = form_values(form, data)
    errors = required_errors(form, values)
    try:
        parsed = None
        try:
            parsed = conv_forms.parse_avvik_form(values, now=now(), tz=settings_of(request).tz_name)
            avvik_svc.validate_avvik_input(parsed)
        except ValidationFailed as exc:
            errors = {**exc.errors, **errors}
        if errors or parsed is None:
            raise ValidationFailed(errors)
        with uow_of(request).write() as tx:
            # Same parser and use case as the chat; the nonce makes a double click one avvik.
            a = views.avvik_facts(avvik_svc.report_avvik(session=tx, reporter_id=me.person_id, data=parsed,
                                                         source="web", idempotency_key=f"web:{me.person_id}:{nonce}"))
            unit_name = views.unit_name(tx, a.unit_id)
    except ValidationFailed as exc:
        return render_form(request, me, form, page, values=values, errors={**errors, **exc.errors}, status=422)
    except DomainError as exc:
        return render_form(request, me, form, page, values=values, errors={"form": exc.message},
                           status=exc.http_status)
    return render(request, "receipt.html", {"me": me, "title": N_("Avviket er registrert"), "number": a.number,
                                            "avvik_title": a.title, "unit_name": unit_name})


@router.post("/avvik/ny")
async def avvik_create(request: Request, post: PostDep) -> Response:
    nonce = post.data.get("nonce", "")[:64] or secrets.token_urlsafe(16)
    return await run_in_threadpool(_report, request, post.me, post.data, nonce)


@router.get("/avvik/{number}")
def avvik_detail(request: Request, number: str, uow: UowDep, settings: SettingsDep) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    tz = settings.tz_name
    try:
        with uow.read() as tx:
            d = views.avvik_detail(tx, actor_id=me.person_id, number=number, now=now(), tz=tz)
    except DomainError as exc:
        return avvik_problem(request, me, number, exc)
    a = d.row.avvik
    manage = me.actor.manages(a.unit_id) or a.assignee_id == me.person_id
    return render(request, "avvik.html", {"me": me, "title": _("AV-{n} {title}").format(n=a.number, title=a.title), "row": d.row, "a": a,
                                          "manage": manage, "owners": d.owners, "reporter": d.reporter,
                                          "assignee": d.assignee, "fmt": views.fmt_dt, "tz": tz,
                                          "notice": ok_notice(request)})


def avvik_problem(request: Request, me: Me, number: str, exc: DomainError) -> Response:
    """One wording for an avvik that is missing or not the person's to see: «Fant ikke avvik AV-12.»

    The same words whether it does not exist or is someone else's, so the page does not tell which.
    """
    if isinstance(exc, NotFound):
        exc = NotFound(_("Fant ikke avvik AV-{n}.").format(n=number[:12]))
    return problem(request, me, exc)


def _act(request: Request, me: Me, action_id: str, value: str, done: str) -> Response:
    """Press a chat button (through the conversation layer) and go to `done`; a refusal is an error page."""
    try:
        conversation_of(request).handle_action(Interaction(user=user_of(me), person_id=me.person_id,
                                                           action_id=action_id, value=value))
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse(done, status_code=303)


@router.post("/avvik/{number}/ta")
async def avvik_take(request: Request, number: str, post: PostDep) -> Response:
    me = post.me

    def do() -> Response:
        try:
            with uow_of(request).read() as tx:
                avvik_id = views.find_avvik(tx, actor_id=me.person_id, number=number)
        except DomainError as exc:
            return avvik_problem(request, me, number, exc)
        return _act(request, me, "avvik.take", str(avvik_id), f"/avvik/{number}?ok=tatt")

    return await run_in_threadpool(do)


@router.post("/tiltak/{tiltak_id}/utfort")
async def tiltak_done(request: Request, tiltak_id: str, post: PostDep) -> Response:
    me, back = post.me, post.data.get("avvik", "")
    if form_id(tiltak_id) is None:
        return forbidden(request, me)
    done = f"/avvik/{back}?ok=utfort" if form_id(back) is not None else "/?ok=utfort"
    return await run_in_threadpool(_act, request, me, "tiltak.done", tiltak_id, done)


# Forms opened by a leader's button: (action id, page title, success code).
AVVIK_FORMS = {"tiltak": ("avvik.add_tiltak", N_("Legg til tiltak"), "tiltak"),
               "lukk": ("avvik.close", N_("Lukk avvik"), "lukket"),
               "gjenapne": ("avvik.reopen", N_("Gjenåpne avvik"), "gjenapnet")}


def _manage_form(request: Request, me: Me, number: str, which: str) -> tuple[Form, FormPage]:
    with uow_of(request).read() as tx:
        a = views.avvik_ref(tx, actor_id=me.person_id, number=number)
    if not (me.actor.manages(a.unit_id) or a.assignee_id == me.person_id):
        raise PermissionDenied(N_("Bare lederen for enheten kan behandle dette avviket."))
    replies = conversation_of(request).handle_action(Interaction(user=user_of(me), person_id=me.person_id,
                                                                 action_id=AVVIK_FORMS[which][0], value=str(a.id)))
    form = replies[0].form
    assert form is not None
    page = FormPage(action=f"/avvik/{number}/{which}", title=AVVIK_FORMS[which][1],
                    back=(f"/avvik/{number}", _("Tilbake til AV-{n}").format(n=number)))
    return form, page


@router.get("/avvik/{number}/{which}")
def avvik_form_page(request: Request, number: str, which: str) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    if which not in AVVIK_FORMS:
        return problem(request, me, NotFound(N_("Fant ikke siden.")))
    try:
        form, page = _manage_form(request, me, number, which)
    except DomainError as exc:
        return avvik_problem(request, me, number, exc)
    return render_form(request, me, form, page)


@router.post("/avvik/{number}/{which}")
async def avvik_form_submit(request: Request, number: str, which: str, post: PostDep) -> Response:
    me, data = post.me, post.data
    if which not in AVVIK_FORMS:
        return problem(request, me, NotFound(N_("Fant ikke siden.")))

    def do() -> Response:
        try:
            form, page = _manage_form(request, me, number, which)
        except DomainError as exc:
            return avvik_problem(request, me, number, exc)
        return submit(request, me, form, data, page, done=f"/avvik/{number}?ok={AVVIK_FORMS[which][2]}")

    return await run_in_threadpool(do)
