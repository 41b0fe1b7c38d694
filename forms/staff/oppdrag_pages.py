"""One oppdrag: its facts and history, and (for its owner or a delegated unit's leader) the update form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.conversation.channel import Interaction
from forms.deps import conversation_of, settings_of, uow_of
from forms.staff.neutral_forms import initial_values
from forms.staff.pageutil import PostDep, now, ok_notice, problem, to_login, user_of
from forms.staff.web import Me, StaffRoute, current, render
from models.errors import DomainError, NotFound, ValidationFailed
from models.i18n import N_, _
from models.services import oppdrag_list
from models.services import staff_views as views
from models.vocabulary import OPPDRAG_STATUSES

router = APIRouter(route_class=StaffRoute)


def _oppdrag_page(request: Request, me: Me, number: str, *, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    if not number.isdecimal() or len(number) > 9:
        return problem(request, me, NotFound(N_("Fant ikke oppdraget.")))
    try:
        with uow_of(request).read() as tx:
            d = views.oppdrag_detail(tx, actor=me.actor, number=int(number), now=now(),
                                     tz=settings_of(request).tz_name)
        # The update form is the chat's own (same fields, same checks), opened as its button would.
        form = conversation_of(request).handle_action(Interaction(
            user=user_of(me), person_id=me.person_id, action_id="oppdrag.update", value=number))[0].form \
            if d.may_update else None
    except DomainError as exc:
        return problem(request, me, exc)
    vals = values if values is not None else (initial_values(form) if form else {})
    field_names = {f.name for f in form.fields} if form else set()
    errs = errors or {}
    o = d.row.oppdrag
    return render(request, "oppdrag.html", {
        "me": me, "title": _("Oppdrag {n}: {title}").format(n=o.number, title=o.title), "row": d.row, "o": o, "form": form, "owner": d.owner,
        "history": d.history, "values": vals, "errors": {k: v for k, v in errs.items() if k in field_names},
        "general": [v for k, v in errs.items() if k not in field_names], "notice": ok_notice(request),
        "statuses": OPPDRAG_STATUSES}, status_code=status)


STATUS_CHOICES = [(oppdrag_list.OPEN, N_("Åpne")), (oppdrag_list.ALL, N_("Alle")),
                  *OPPDRAG_STATUSES.items()]


@router.get("/oppdrag")
def oppdrag_list_page(request: Request, status: str = "") -> Response:
    """The oppdrag this person may see (least privilege in models.services.oppdrag_list), filtered by status."""
    me = current(request)
    if me is None:
        return to_login(request)
    chosen = oppdrag_list.status_filter(status)
    with uow_of(request).read() as tx:
        rows = oppdrag_list.visible_oppdrag(tx, actor=me.actor, status=chosen, now=now())
    return render(request, "oppdrag_list.html", {"me": me, "title": N_("Oppdrag"), "rows": rows,
                                                 "chosen": chosen, "choices": STATUS_CHOICES})


@router.get("/oppdrag/{number}")
def oppdrag_detail(request: Request, number: str) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    return _oppdrag_page(request, me, number)


@router.post("/oppdrag/{number}")
async def oppdrag_update(request: Request, number: str, post: PostDep) -> Response:
    me, data = post.me, post.data

    def do() -> Response:
        if not number.isdecimal():
            return problem(request, me, NotFound(N_("Fant ikke oppdraget.")))
        values = {k: data.get(k, "")[:20000] for k in ("status", "progress", "comment")}
        try:
            conversation_of(request).submit_form(Interaction(user=user_of(me), person_id=me.person_id,
                                                             action_id="oppdrag.update", values=values,
                                                             context={"number": number}))
        except ValidationFailed as exc:
            return _oppdrag_page(request, me, number, values=values, errors=exc.errors, status=422)
        except DomainError as exc:
            return _oppdrag_page(request, me, number, values=values, errors={"form": exc.message},
                                 status=exc.http_status)
        return RedirectResponse(f"/oppdrag/{number}?ok=oppdatert", status_code=303)

    return await run_in_threadpool(do)
