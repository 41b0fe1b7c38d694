"""A tilsyn's findings on the web: add one to a registered tilsyn, update one's status, tiltak and deadline.

The leader of the tilsyn's unit may do all of it; the finding's owner its status and tiltak.
Anyone else gets the domain's 404 («Fant ikke funnet.»).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import uow_of
from forms.staff.govforms import BAD_DATE, MeDep, Page, field, notice, parse_date, show_form, values_of
from forms.staff.pageutil import PostDep, problem
from forms.staff.tilsyn_pages import NEVER, finding_fields, finding_input
from forms.staff.web import Me, StaffRoute
from models.errors import DomainError, NotFound, ValidationFailed
from models.governance_terms import FINDING_STATUSES
from models.i18n import N_, _, fmt_date
from models.messages import Form
from models.services import tilsyn, tilsyn_views
from models.services.tilsyn_views import FindingEdit, TilsynHead

router = APIRouter(route_class=StaffRoute)


def _id(text: str, what: str) -> int:
    if not text.isdecimal() or len(text) > 9:
        raise NotFound(what)
    return int(text)


def _head(request: Request, me: Me, tid: str) -> TilsynHead:
    with uow_of(request).read() as tx:
        return tilsyn_views.tilsyn_head(tx, actor_id=me.person_id, tilsyn_id=_id(tid, N_("Fant ikke tilsynet.")))


def _add_page(h: TilsynHead) -> Page:
    return Page(action=f"/tilsyn/{h.id}/funn", title=_("Nytt funn: {theme}").format(theme=h.theme), back=("/tilsyn", N_("Tilbake til tilsyn")),
                intro=_("{authority}, {date}. Fristen kan ikke være før tilsynsdatoen.").format(authority=_(h.authority_label), date=fmt_date(h.held_on)))


ADD_FORM = Form(form_id="tilsyn.finding", title=N_("Nytt funn"), submit_label=N_("Lagre funnet"),
                fields=finding_fields("", "", required=True))


@router.get("/tilsyn/{tid}/funn")
def add_form(request: Request, me: MeDep, tid: str) -> Response:
    try:
        head = _head(request, me, tid)
    except DomainError as exc:
        return problem(request, me, exc)
    return show_form(request, me, ADD_FORM, _add_page(head))


@router.post("/tilsyn/{tid}/funn")
def add_submit(request: Request, tid: str, post: PostDep) -> Response:
    me = post.me
    try:
        head = _head(request, me, tid)
    except DomainError as exc:
        return problem(request, me, exc)
    values = values_of(ADD_FORM, post.data)
    edge: dict[str, str] = {}
    data = finding_input(values, "", edge)
    try:
        try:
            with uow_of(request).write() as tx:
                tilsyn.add_finding(session=tx, actor_id=me.person_id, tilsyn_id=head.id, data=data)
        except ValidationFailed as exc:
            raise ValidationFailed({**exc.errors, **edge}) from exc
    except ValidationFailed as exc:
        return show_form(request, me, ADD_FORM, _add_page(head), values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse("/tilsyn?ok=funn", status_code=303)


def _update_form(f: FindingEdit) -> Form:
    fields = [field("status", N_("Status"), "select", options=list(FINDING_STATUSES.items())),
              field("tiltak", N_("Tiltak"), "textarea", required=False, max_length=5000)]
    if f.manages:
        fields.append(field("deadline", N_("Frist"), "date"))
    return Form(form_id="tilsyn.finding.update", title=N_("Oppdater funn"), submit_label=N_("Lagre funnet"), fields=fields)


def _update_page(f: FindingEdit) -> Page:
    return Page(action=f"/tilsyn/funn/{f.id}", title=_("{kind}: {theme}").format(kind=_(f.kind_label), theme=f.tilsyn.theme), back=("/tilsyn", N_("Til tilsyn")),
                intro=_("{authority}, {date}. {text}").format(authority=_(f.tilsyn.authority_label), date=fmt_date(f.tilsyn.held_on), text=f.description))


def _finding_edit(request: Request, me: Me, fid: str) -> FindingEdit:
    with uow_of(request).read() as tx:
        return tilsyn_views.finding_for_update(tx, actor_id=me.person_id, finding_id=_id(fid, N_("Fant ikke funnet.")))


@router.get("/tilsyn/funn/{fid}")
def update_form(request: Request, me: MeDep, fid: str) -> Response:
    try:
        f = _finding_edit(request, me, fid)
    except DomainError as exc:
        return problem(request, me, exc)
    return show_form(request, me, _update_form(f), _update_page(f),
                     values={"status": f.status, "tiltak": f.tiltak, "deadline": f.deadline.isoformat()},
                     notice=notice(request))


@router.post("/tilsyn/funn/{fid}")
def update_submit(request: Request, fid: str, post: PostDep) -> Response:
    me = post.me
    try:
        f = _finding_edit(request, me, fid)
    except DomainError as exc:
        return problem(request, me, exc)
    form, page = _update_form(f), _update_page(f)
    values = values_of(form, post.data)
    deadline = parse_date(values.get("deadline")) if f.manages else None
    edge = {"deadline": BAD_DATE} if f.manages and deadline is None else {}
    try:
        try:
            with uow_of(request).write() as tx:
                tilsyn.update_finding(session=tx, actor_id=me.person_id, finding_id=f.id, status=values.get("status", ""),
                                      tiltak=values.get("tiltak", ""), deadline=NEVER if edge else deadline)
        except ValidationFailed as exc:
            raise ValidationFailed({**exc.errors, **edge}) from exc
    except ValidationFailed as exc:
        return show_form(request, me, form, page, values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        return show_form(request, me, form, page, values=values, errors={"form": exc.message}, status=exc.http_status)
    # an owner who is no leader has no tilsyn list: back to the finding, with the confirmation
    return RedirectResponse("/tilsyn?ok=funn" if f.manages else f"/tilsyn/funn/{f.id}?ok=funn", status_code=303)
