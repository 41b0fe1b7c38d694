"""The leader's pages: the leader view (open avvik, overdue tiltak, checklists, stale oppdrag) and the checklist."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.conversation.channel import Interaction
from forms.deps import UowDep, conversation_of, uow_of
from forms.numbers import form_id
from forms.staff.neutral_forms import FormPage, render_form, submit
from forms.staff.pageutil import PostDep, now, ok_notice, problem, to_login, user_of
from forms.staff.web import Me, StaffRoute, current, render
from models.errors import DomainError, NotFound
from models.i18n import N_
from models.messages import Form
from models.services import checklists
from models.services import staff_views as views
from models.services.checklists import DueItem
from models.vocabulary import CHECK_ANSWERS

router = APIRouter(route_class=StaffRoute)


@router.get("/leder")
def leader(request: Request, uow: UowDep, sorter: str = "alder") -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    if not me.is_leader:
        return render(request, "info.html", {"me": me, "title": N_("Ikke tillatt"), "paragraphs": [
            N_("Ledervisningen er for ledere. Du finner dine egne saker under «Mine saker».")]}, status_code=403)
    sort = sorter if sorter in views.SORTS else "alder"
    with uow.read() as tx:
        view = views.leader_view(tx, actor=me.actor, now=now(), sort=sort)
    return render(request, "leader.html", {"me": me, "title": N_("Ledervisning"), "rows": view.rows, "sort": sort,
                                           "overdue": view.overdue, "completion": view.completion,
                                           "oppdrag": view.oppdrag})


@router.get("/sjekkliste")
def checklist(request: Request, uow: UowDep) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    with uow.read() as tx:
        items = checklists.list_checklist(session=tx, actor_id=me.person_id, now=now())
    groups: dict[tuple[str, str, str], list[DueItem]] = {}
    for it in items:
        groups.setdefault((it.unit_name, it.template_name, it.period), []).append(it)
    return render(request, "checklist.html", {"me": me, "title": N_("Sjekkliste"), "groups": groups,
                                              "answers": CHECK_ANSWERS, "notice": ok_notice(request)})


def _press(request: Request, me: Me, action_id: str, value: str) -> list[Form | None]:
    replies = conversation_of(request).handle_action(Interaction(user=user_of(me), person_id=me.person_id,
                                                                 action_id=action_id, value=value))
    return [r.form for r in replies]


@router.post("/sjekkliste")
async def checklist_answer(request: Request, post: PostDep) -> Response:
    me, data = post.me, post.data
    answer = data.get("answer", "")
    if answer not in ("ja", "ikke_relevant") or form_id(data.get("unit_id")) is None \
            or form_id(data.get("item_id")) is None:
        return render(request, "info.html", {"me": me, "title": N_("Noe er galt"), "paragraphs": [
            N_("Velg «Ja», «Nei» eller «Ikke relevant» for et sjekkpunkt i listen.")]}, status_code=400)

    def do() -> Response:
        try:
            _press(request, me, f"check.{answer}", f"{data['unit_id']}:{data['item_id']}")
        except DomainError as exc:
            return problem(request, me, exc)
        return RedirectResponse("/sjekkliste?ok=registrert", status_code=303)

    return await run_in_threadpool(do)


NEI_INTRO = N_("Et «nei» blir registrert som et avvik for enheten. Beskriv kort hva som mangler.")


def _nei_form(request: Request, me: Me, unit: str, item: str) -> tuple[Form, FormPage]:
    if form_id(unit) is None or form_id(item) is None:
        raise NotFound(N_("Fant ikke sjekkpunktet."))
    with uow_of(request).read() as tx:
        due = {(i.unit_id, i.item_id) for i in checklists.list_checklist(session=tx, actor_id=me.person_id, now=now())}
    if (int(unit), int(item)) not in due:
        raise NotFound(N_("Fant ikke sjekkpunktet i sjekklistene dine."))
    form = _press(request, me, "check.nei", f"{unit}:{item}")[0]
    assert form is not None
    return form, FormPage(action=f"/sjekkliste/nei?enhet={unit}&punkt={item}", title=N_("Sjekkpunkt: nei"),
                          intro=NEI_INTRO, back=("/sjekkliste", N_("Tilbake til sjekklisten")))


@router.get("/sjekkliste/nei")
def checklist_nei(request: Request, enhet: str = "", punkt: str = "") -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    try:
        form, page = _nei_form(request, me, enhet, punkt)
    except DomainError as exc:
        return problem(request, me, exc)
    return render_form(request, me, form, page)


@router.post("/sjekkliste/nei")
async def checklist_nei_submit(request: Request, post: PostDep, enhet: str = "", punkt: str = "") -> Response:
    me, data = post.me, post.data

    def do() -> Response:
        try:
            form, page = _nei_form(request, me, enhet, punkt)
        except DomainError as exc:
            return problem(request, me, exc)
        return submit(request, me, form, data, page, done="/sjekkliste?ok=registrert")

    return await run_in_threadpool(do)
