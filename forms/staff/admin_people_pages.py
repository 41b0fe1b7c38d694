"""`/admin/personer`: people one at a time — the searched, paged list, a new person, a person's page
(name, e-mail and unit; active or not; roles given and taken one by one).

Every rule and message is the domain's (models/services/people_admin.py, the same rules as the CSV
import through people_rules.py); this module turns posted text into the use cases' input. The pages
answer in the signed-in person's language, and every form is a plain POST with the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep, settings_of, uow_of
from forms.staff.admin_oppdrag_pages import number_of, show
from forms.staff.govforms import MeDep, Page, field, parse_int, values_of
from forms.staff.pageutil import PostDep, problem
from forms.staff.web import Me, StaffRoute, render
from models.errors import DomainError, ValidationFailed
from models.i18n import N_, _, use_locale
from models.messages import Form
from models.services import people_admin, preferences
from models.services import people_views as pv
from models.services.people_admin import PersonInput

router = APIRouter(route_class=StaffRoute)

NOTICES = {"ny": N_("Personen er lagt til."), "endret": N_("Endringene er lagret."),
           "uendret": N_("Ingenting var endret."), "deaktivert": N_("Personen er deaktivert. Historikken er beholdt."),
           "aktivert": N_("Personen er aktiv igjen."), "rolle_gitt": N_("Rollen er gitt."),
           "rolle_tatt": N_("Rollen er tatt bort.")}


@contextmanager
def in_language(request: Request, me: Me) -> Iterator[str]:
    """The person's own language for the whole request (messages, labels, the page), else the kommune's default."""
    with uow_of(request).read() as tx:
        own = preferences.person_locale(session=tx, person_id=me.person_id)
    with use_locale(own, settings_of(request).default_locale) as chosen:
        yield chosen


def notice(request: Request) -> str | None:
    ok = NOTICES.get(request.query_params.get("ok", ""))
    return _(ok) if ok else None


def person_form(units: list[tuple[str, str]], roles: list[tuple[str, str]] | None, submit: str) -> Form:
    fields = [field("name", _("Navn"), max_length=200), field("email", _("E-post"), max_length=320),
              field("unit_id", _("Enhet"), "select", options=units)]
    if roles is not None:
        fields.append(field("role", _("Rolle i enheten (valgfritt)"), "select", required=False,
                            options=[("ansatt", _("Ansatt"))] + [r for r in roles if r[0] == "leder"]
                            + [r for r in roles if r[0] not in ("leder", "ansatt")]))
    return Form(form_id="admin.person", title=_("Person"), submit_label=submit, fields=fields)


def person_input(values: dict[str, str]) -> PersonInput:
    unit = parse_int(values.get("unit_id"))
    return PersonInput(email=values.get("email", ""), name=values.get("name", ""),
                       unit_id=unit if unit and unit > 0 else None, role=values.get("role") or "ansatt")


@router.get("/admin/personer")
def people(request: Request, me: MeDep) -> Response:
    q = request.query_params
    status = q.get("status", "aktive") if q.get("status") in pv.STATUSES else "aktive"
    unit, page = parse_int(q.get("enhet")), parse_int(q.get("side")) or 1
    with in_language(request, me):
        try:
            with uow_of(request).read() as tx:
                found = pv.list_people(tx, actor=me.actor, query=q.get("q", ""), unit_id=unit if unit and unit > 0
                                       else None, status=status, page=page)
                units = pv.unit_choices(tx, me.actor)
        except DomainError as exc:
            return problem(request, me, exc)
        return render(request, "admin/people.html", {
            "me": me, "title": _("Personer"), "found": found, "units": units, "notice": notice(request),
            "q": q.get("q", "")[:100], "unit": str(unit or ""), "status": status,
            "statuses": [("aktive", _("Aktive")), ("deaktiverte", _("Deaktiverte")), ("alle", _("Alle"))]})


def _new_page() -> Page:
    return Page(action="/admin/personer/ny", title=_("Ny person"), back=("/admin/personer", _("Tilbake til personene")),
                intro=_("En leder eller kommunalsjef blir det for enheten personen legges i. Flere roller gir du på "
                        "personens side etterpå."))


def _new_form(request: Request, me: Me) -> Form:
    with uow_of(request).read() as tx:
        pv.refuse_unless_allowed(me.actor)
        return person_form(pv.unit_choices(tx, me.actor), pv.role_choices(me.actor), _("Legg til personen"))


@router.get("/admin/personer/ny")
def person_new(request: Request, me: MeDep) -> Response:
    with in_language(request, me):
        try:
            form = _new_form(request, me)
        except DomainError as exc:
            return problem(request, me, exc)
        return show(request, me, form, _new_page(), values={"unit_id": str(me.actor.unit_id or ""), "role": "ansatt"},
                    units=[], checked=set())


@router.post("/admin/personer/ny")
def person_create(request: Request, uow: UowDep, post: PostDep) -> Response:
    me = post.me
    with in_language(request, me):
        try:
            form = _new_form(request, me)
            values = values_of(form, post.data)
            with uow.write() as tx:
                person = people_admin.create_person(session=tx, actor_id=me.person_id, data=person_input(values))
        except ValidationFailed as exc:
            return show(request, me, form, _new_page(), values=values, units=[], checked=set(), errors=exc.errors,
                        status=422)
        except DomainError as exc:
            return problem(request, me, exc)
        return RedirectResponse(f"/admin/personer/{person.id}?ok=ny", status_code=303)


def _person_page(request: Request, me: Me, pid: int, *, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> Response:
    with uow_of(request).read() as tx:
        view = pv.person_view(tx, actor=me.actor, person_id=pid)
        units = pv.unit_choices(tx, me.actor)
    form = person_form(units, None, _("Lagre endringene"))
    errs = errors or {}
    known = {f.name for f in form.fields} | {"role", "unit_id_role"}
    return render(request, "admin/person.html", {
        "me": me, "title": view.name, "view": view, "form": form, "units": units, "roles": pv.role_choices(me.actor),
        "values": values or {"name": view.name, "email": view.email, "unit_id": str(view.unit_id or "")},
        "errors": {k: v for k, v in errs.items() if k in known},
        "general": [v for k, v in errs.items() if k not in known],
        "notice": notice(request)}, status_code=status)


@router.get("/admin/personer/{pid}")
def person_page(request: Request, me: MeDep, pid: str) -> Response:
    with in_language(request, me):
        try:
            return _person_page(request, me, number_of(pid))
        except DomainError as exc:
            return problem(request, me, exc)


@router.post("/admin/personer/{pid}")
def person_update(request: Request, uow: UowDep, pid: str, post: PostDep) -> Response:
    me = post.me
    with in_language(request, me):
        try:
            person_id = number_of(pid)
            pv.refuse_unless_allowed(me.actor)
            values = {k: post.data.get(k, "")[:400] for k in ("name", "email", "unit_id")}
            try:
                with uow.write() as tx:
                    changed = people_admin.update_person(session=tx, actor_id=me.person_id, person_id=person_id,
                                                         data=person_input(values))
            except ValidationFailed as exc:
                return _person_page(request, me, person_id, values=values, errors=exc.errors, status=422)
        except DomainError as exc:
            return problem(request, me, exc)
        return RedirectResponse(f"/admin/personer/{person_id}?ok={'endret' if changed else 'uendret'}", status_code=303)


@router.post("/admin/personer/{pid}/aktiv")
def person_active(request: Request, uow: UowDep, pid: str, post: PostDep) -> Response:
    me = post.me
    active = post.data.get("active") == "1"
    with in_language(request, me):
        try:
            person_id = number_of(pid)
            pv.refuse_unless_allowed(me.actor)
            with uow.write() as tx:
                people_admin.set_person_active(session=tx, actor_id=me.person_id, person_id=person_id, active=active)
        except DomainError as exc:
            return problem(request, me, exc)
        return RedirectResponse(f"/admin/personer/{person_id}?ok={'aktivert' if active else 'deaktivert'}",
                                status_code=303)


@router.post("/admin/personer/{pid}/roller")
def person_role(request: Request, uow: UowDep, pid: str, post: PostDep) -> Response:
    me = post.me
    give = post.data.get("action") != "ta"
    unit = parse_int(post.data.get("unit_id"))
    with in_language(request, me):
        try:
            person_id = number_of(pid)
            pv.refuse_unless_allowed(me.actor)
            try:
                with uow.write() as tx:
                    people_admin.change_role(session=tx, actor_id=me.person_id, person_id=person_id,
                                             role=post.data.get("role", "")[:40], unit_id=unit if unit and unit > 0
                                             else None, give=give)
            except ValidationFailed as exc:
                errors = {("unit_id_role" if k == "unit_id" else k): v for k, v in exc.errors.items()}
                return _person_page(request, me, person_id, errors=errors, status=422)
        except DomainError as exc:
            return problem(request, me, exc)
        return RedirectResponse(f"/admin/personer/{person_id}?ok={'rolle_gitt' if give else 'rolle_tatt'}",
                                status_code=303)
