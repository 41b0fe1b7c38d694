"""`/admin/enheter`: the unit tree the reader manages, a new unit, and a unit renamed or moved.

The rules are the domain's (models/services/units_admin.py: names and paths as the CSV import reads
them, a unit never under itself, the paths below following a rename or a move); this module only
reads the form. «Øverst i treet» (value 0) is a sector at the top, offered to admins only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep, uow_of
from forms.staff.admin_oppdrag_pages import number_of, show
from forms.staff.admin_people_pages import in_language
from forms.staff.govforms import MeDep, Page, field, parse_int, values_of
from forms.staff.pageutil import PostDep, problem
from forms.staff.web import Me, StaffRoute, render
from models.errors import DomainError, ValidationFailed
from models.i18n import N_, _
from models.messages import Form
from models.services import people_admin, units_admin
from models.services import people_views as pv
from models.services.units_admin import UnitInput

router = APIRouter(route_class=StaffRoute)

NOTICES = {"ny": N_("Enheten er lagt til."), "endret": N_("Enheten er lagret."), "uendret": N_("Ingenting var endret.")}
TOP = "0"


def unit_form(parents: list[tuple[str, str]], *, admin: bool, submit: str) -> Form:
    options = ([(TOP, _("Øverst i treet (en sektor)"))] if admin else []) + parents
    return Form(form_id="admin.enhet", title=_("Enhet"), submit_label=submit, fields=[
        field("name", _("Navn"), max_length=200, hint=_("Bare enhetens eget navn, uten «/».")),
        field("parent_id", _("Ligger under"), "select", options=options)])


def unit_input(values: dict[str, str]) -> UnitInput:
    parent = parse_int(values.get("parent_id"))
    return UnitInput(name=values.get("name", ""), parent_id=parent if parent and parent > 0 else
                     (None if parent == 0 else -1))


def _form(request: Request, me: Me, unit_id: int | None, submit: str) -> tuple[Form, dict[str, str], str]:
    """The form, the unit's values (a new one: empty) and the page title; 404 for a unit out of reach."""
    pv.refuse_unless_allowed(me.actor)
    admin = people_admin.is_admin(me.actor)
    with uow_of(request).read() as tx:
        if unit_id is None:
            return unit_form(pv.parent_choices(tx, actor=me.actor), admin=admin, submit=submit), {}, _("Ny enhet")
        unit = units_admin.get_unit(tx, me.actor, unit_id)
        values = {"name": unit.name, "parent_id": str(unit.parent_id or TOP)}
        form = unit_form(pv.parent_choices(tx, actor=me.actor, below=unit), admin=admin, submit=submit)
        return form, values, _("Enhet «{path}»").format(path=unit.path)


def _page(action: str, title: str) -> Page:
    return Page(action=action, title=title, back=("/admin/enheter", _("Tilbake til enhetene")),
                intro=_("Endrer du navnet eller flytter enheten, følger enhetene under med."))


@router.get("/admin/enheter")
def units(request: Request, me: MeDep) -> Response:
    with in_language(request, me):
        try:
            with uow_of(request).read() as tx:
                rows = pv.list_units(tx, actor=me.actor)
        except DomainError as exc:
            return problem(request, me, exc)
        ok = NOTICES.get(request.query_params.get("ok", ""))
        return render(request, "admin/units.html", {"me": me, "title": _("Enheter"), "units": rows,
                                                    "notice": _(ok) if ok else None})


@router.get("/admin/enheter/ny")
def unit_new(request: Request, me: MeDep) -> Response:
    with in_language(request, me):
        try:
            form, values, title = _form(request, me, None, _("Legg til enheten"))
        except DomainError as exc:
            return problem(request, me, exc)
        return show(request, me, form, _page("/admin/enheter/ny", title), values=values, units=[], checked=set())


@router.post("/admin/enheter/ny")
def unit_create(request: Request, uow: UowDep, post: PostDep) -> Response:
    me = post.me
    with in_language(request, me):
        try:
            form, _values, title = _form(request, me, None, _("Legg til enheten"))
            values = values_of(form, post.data)
            with uow.write() as tx:
                unit = units_admin.create_unit(session=tx, actor_id=me.person_id, data=unit_input(values))
        except ValidationFailed as exc:
            return show(request, me, form, _page("/admin/enheter/ny", title), values=values, units=[], checked=set(),
                        errors=exc.errors, status=422)
        except DomainError as exc:
            return problem(request, me, exc)
        return RedirectResponse(f"/admin/enheter/{unit.id}?ok=ny", status_code=303)


@router.get("/admin/enheter/{uid}")
def unit_page(request: Request, me: MeDep, uid: str) -> Response:
    with in_language(request, me):
        try:
            unit_id = number_of(uid)
            form, values, title = _form(request, me, unit_id, _("Lagre enheten"))
        except DomainError as exc:
            return problem(request, me, exc)
        ok = NOTICES.get(request.query_params.get("ok", ""))
        page = _page(f"/admin/enheter/{unit_id}", title)
        return render(request, "admin/form.html", {
            "me": me, "title": page.title, "intro": page.intro, "action": page.action, "back": page.back,
            "form": form, "values": values, "units": [], "checked": set(), "general": [],
            "notice": _(ok) if ok else None})


@router.post("/admin/enheter/{uid}")
def unit_update(request: Request, uow: UowDep, uid: str, post: PostDep) -> Response:
    me = post.me
    with in_language(request, me):
        try:
            unit_id = number_of(uid)
            form, _values, title = _form(request, me, unit_id, _("Lagre enheten"))
            values = values_of(form, post.data)
            with uow.write() as tx:
                changed = units_admin.update_unit(session=tx, actor_id=me.person_id, unit_id=unit_id,
                                                  data=unit_input(values))
        except ValidationFailed as exc:
            return show(request, me, form, _page(f"/admin/enheter/{unit_id}", title), values=values, units=[],
                        checked=set(), errors=exc.errors, status=422)
        except DomainError as exc:
            return problem(request, me, exc)
        return RedirectResponse(f"/admin/enheter/{unit_id}?ok={'endret' if changed else 'uendret'}", status_code=303)
