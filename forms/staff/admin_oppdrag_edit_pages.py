"""`/admin/oppdrag/{number}/…`: edit an oppdrag, split it into a sub-oppdrag, close or cancel it with a reason.

Edit and close are for those who manage the oppdrag's letter; splitting also for the oppdrag's
owner, who picks units below their own. The use cases refuse anyone else too.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep, uow_of
from forms.staff.admin_oppdrag_pages import (
    checked_units,
    choices,
    number_of,
    oppdrag_form,
    oppdrag_input,
    show,
)
from forms.staff.govforms import MeDep, Page, field, values_of
from forms.staff.pageutil import PostDep, problem
from forms.staff.web import Me, StaffRoute
from models.errors import DomainError, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.messages import Form
from models.services import oppdrag_admin
from models.services import oppdrag_admin_views as av
from models.services.oppdragsbrev import DENIED

router = APIRouter(route_class=StaffRoute)


def _facts(request: Request, me: Me, number: str) -> av.OppdragFacts:
    with uow_of(request).read() as tx:
        return av.oppdrag_facts(tx, actor_id=me.person_id, number=number_of(number))


def _managed(request: Request, me: Me, number: str) -> av.OppdragFacts:
    f = _facts(request, me, number)
    if not f.may_manage:
        raise PermissionDenied(DENIED)
    return f


def _back(f: av.OppdragFacts) -> tuple[str, str]:
    return (f"/admin/oppdrag/brev/{f.letter_id}", N_("Tilbake til oppdragsbrevet")) if f.letter_id \
        else (f"/oppdrag/{f.number}", _("Tilbake til oppdrag {n}").format(n=f.number))


def _done(f: av.OppdragFacts, ok: str) -> Response:
    target = f"/admin/oppdrag/brev/{f.letter_id}" if f.letter_id else f"/oppdrag/{f.number}"
    return RedirectResponse(f"{target}?ok={ok}", status_code=303)


def _edit_page(f: av.OppdragFacts) -> Page:
    return Page(action=f"/admin/oppdrag/{f.number}/endre", title=_("Endre oppdrag {n}").format(n=f.number), back=_back(f))


def _edit_values(f: av.OppdragFacts) -> dict[str, str]:
    return {"title": f.title, "description": f.description, "category": f.category, "owner_id": str(f.owner_id),
            "deadline": f.deadline.isoformat() if f.deadline else "", "goal_id": str(f.goal_id or "")}


@router.get("/admin/oppdrag/{number}/endre")
def edit_form(request: Request, me: MeDep, number: str) -> Response:
    try:
        f = _managed(request, me, number)
        c = choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    return show(request, me, oppdrag_form(c, N_("Lagre endringene")), _edit_page(f), values=_edit_values(f),
                units=c.units, checked={str(u) for u in f.unit_ids})


@router.post("/admin/oppdrag/{number}/endre")
def edit_submit(request: Request, uow: UowDep, number: str, post: PostDep) -> Response:
    me = post.me
    try:
        f = _managed(request, me, number)
        c = choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    form, units = oppdrag_form(c, N_("Lagre endringene")), checked_units(post.data)
    values = values_of(form, post.data)
    data, edge = oppdrag_input(values, units)
    try:
        if edge:
            raise ValidationFailed(edge)
        with uow.write() as tx:
            oppdrag_admin.edit_oppdrag(session=tx, actor_id=me.person_id, number=f.number, data=data)
    except ValidationFailed as exc:
        return show(request, me, form, _edit_page(f), values=values, units=c.units, checked=units,
                    errors=exc.errors, status=422)
    except DomainError as exc:
        return problem(request, me, exc)
    return _done(f, "oppdrag")


def _split_form(people: list[tuple[str, str]]) -> Form:
    return Form(form_id="admin.del", title=N_("Deloppdrag"), submit_label=N_("Lagre deloppdraget"), fields=[
        field("title", N_("Tittel på deloppdraget"), max_length=300),
        field("description", N_("Beskrivelse"), "textarea", required=False, max_length=5000),
        field("owner_id", N_("Eier"), "select", options=people),
        field("deadline", N_("Frist"), "date", required=False, hint=None),
    ])


def _split_page(f: av.OppdragFacts) -> Page:
    return Page(action=f"/admin/oppdrag/{f.number}/del", title=_("Del opp oppdrag {n}").format(n=f.number), back=_back(f),
                intro=_("{title}. Velg enhetene under deg og en eier. Uten frist gjelder fristen til oppdraget.").format(title=f.title))


def _splittable(request: Request, me: Me, number: str) -> av.OppdragFacts:
    f = _facts(request, me, number)
    if not f.may_split:
        raise PermissionDenied(_("Bare eieren av oppdrag {n} kan dele det opp.").format(n=f.number))
    return f


@router.get("/admin/oppdrag/{number}/del")
def split_form(request: Request, me: MeDep, number: str) -> Response:
    try:
        f = _splittable(request, me, number)
        c = choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    return show(request, me, _split_form(c.people), _split_page(f), values={}, units=c.units, checked=set(),
                units_label=N_("Enheter under deg"))


@router.post("/admin/oppdrag/{number}/del")
def split_submit(request: Request, uow: UowDep, number: str, post: PostDep) -> Response:
    me = post.me
    try:
        f = _splittable(request, me, number)
        c = choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    form, units = _split_form(c.people), checked_units(post.data)
    values = values_of(form, post.data)
    data, edge = oppdrag_input({**values, "category": f.category}, units)
    try:
        if edge:
            raise ValidationFailed(edge)
        with uow.write() as tx:
            oppdrag_admin.split_oppdrag(session=tx, actor_id=me.person_id, number=f.number, title=data.title,
                                        owner_id=data.owner_id, unit_ids=data.unit_ids, deadline=data.deadline,
                                        description=data.description)
    except ValidationFailed as exc:
        return show(request, me, form, _split_page(f), values=values, units=c.units, checked=units,
                    errors=exc.errors, status=422, units_label=N_("Enheter under deg"))
    except DomainError as exc:
        return problem(request, me, exc)
    return _done(f, "delt")


CLOSE_FORM = Form(form_id="admin.lukk", title=N_("Lukk oppdrag"), submit_label=N_("Lukk oppdraget"), fields=[
    field("outcome", N_("Utfall"), "select", options=[("fullfort", N_("Fullført")), ("avbrutt", N_("Avbrutt"))]),
    field("reason", N_("Begrunnelse"), "textarea", max_length=3000, hint=N_("Begrunnelsen lagres i historikken.")),
])


def _close_page(f: av.OppdragFacts) -> Page:
    return Page(action=f"/admin/oppdrag/{f.number}/lukk", title=_("Lukk eller avbryt oppdrag {n}").format(n=f.number),
                back=_back(f), intro=f.title)


@router.get("/admin/oppdrag/{number}/lukk")
def close_form(request: Request, me: MeDep, number: str) -> Response:
    try:
        f = _managed(request, me, number)
    except DomainError as exc:
        return problem(request, me, exc)
    return show(request, me, CLOSE_FORM, _close_page(f), values={}, units=[], checked=set())


@router.post("/admin/oppdrag/{number}/lukk")
def close_submit(request: Request, uow: UowDep, number: str, post: PostDep) -> Response:
    me = post.me
    try:
        f = _managed(request, me, number)
    except DomainError as exc:
        return problem(request, me, exc)
    values = values_of(CLOSE_FORM, post.data)
    try:
        with uow.write() as tx:
            oppdrag_admin.close_oppdrag(session=tx, actor_id=me.person_id, number=f.number,
                                        outcome=values["outcome"], reason=values["reason"])
    except ValidationFailed as exc:
        return show(request, me, CLOSE_FORM, _close_page(f), values=values, units=[], checked=set(),
                    errors=exc.errors, status=422)
    except DomainError as exc:
        return problem(request, me, exc)
    return _done(f, "lukket")
