"""`/admin/sjekklister`: internkontroll checklist templates — list, new, edit (a new version once published), retire.

Every rule and message is the domain's (models/services/checklist_admin.py); this module turns the
posted text into the use case's input. The sjekkpunkter are one textarea, a line each as
«føremål | type | sjekkpunkt», and the units are checkboxes, so the form works without JavaScript.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep, uow_of
from forms.staff.admin_oppdrag_pages import checked_units, number_of, show
from forms.staff.govforms import BAD_DATE, MeDep, Page, field, parse_date, parse_int, values_of
from forms.staff.pageutil import PostDep, problem
from forms.staff.web import Me, StaffRoute, render
from models.errors import DomainError, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.messages import Form
from models.services import checklist_admin
from models.services import checklist_admin_views as cv
from models.services import governance_views as gv
from models.services.checklist_admin import SCOPES, TemplateInput
from models.services.checklists import RECURRENCES

router = APIRouter(route_class=StaffRoute)

NOTICES = {"ny": N_("Sjekklisten er lagret. Lederne får beskjed på publiseringsdatoen."),
           "endret": N_("Sjekklisten er lagret."), "avsluttet": N_("Sjekklisten er avsluttet.")}


def today() -> date:
    return date.today()


def template_form(submit: str) -> Form:
    return Form(form_id="admin.sjekkliste", title=_("Sjekkliste"), submit_label=submit, fields=[
        field("name", _("Navn"), max_length=200),
        field("recurrence", _("Besvares"), "select", options=[(k, _(v)) for k, v in RECURRENCES.items()]),
        field("due_day", _("Fristdag i periodens siste måned"), "number", required=False),
        field("publish_on", _("Publiseres"), "date"),
        field("scope", _("Gjelder"), "select", options=[(k, _(v)) for k, v in SCOPES.items()]),
        field("items", _("Sjekkpunkter"), "textarea", max_length=100_000,
              hint=_("Ett sjekkpunkt per linje: føremål | type | sjekkpunkt. For eksempel: "
                     "HMS | Vernerunde | Er vernerunden gjennomført?")),
    ])


def parse_items(text: str) -> tuple[tuple[tuple[str, str, str], ...], str | None]:
    """The textarea's lines as (føremål, type, sjekkpunkt); the first line that is not three parts is an error."""
    items: list[tuple[str, str, str]] = []
    for n, line in enumerate([ln for ln in text.splitlines() if ln.strip()], start=1):
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) != 3:
            return (), _("Linje {n}: skriv føremål | type | sjekkpunkt, skilt med |.").format(n=n)
        items.append((parts[0], parts[1], parts[2]))
    return tuple(items), None


def template_input(values: dict[str, str], units: set[str]) -> tuple[TemplateInput, dict[str, str]]:
    """The posted text as the use case's input; an unreadable date or number is an error of its own."""
    edge: dict[str, str] = {}
    publish_on = parse_date(values.get("publish_on"))
    if publish_on is None:
        edge["publish_on"] = BAD_DATE if values.get("publish_on", "").strip() else checklist_admin.publish_date_missing()
    due_day = parse_int(values.get("due_day"))
    items, bad = parse_items(values.get("items", ""))
    if bad:
        edge["items"] = bad
    return TemplateInput(name=values.get("name", ""), recurrence=values.get("recurrence", ""), publish_on=publish_on,
                         items=items, due_day=due_day, scope=values.get("scope", ""),
                         unit_ids=tuple(sorted(int(u) for u in units))), edge


def _refuse_edge(request: Request, me: Me, data: TemplateInput, edge: dict[str, str]) -> None:
    """Every problem at once: the domain's on what could be read, the edge's on what could not."""
    if edge:
        with uow_of(request).read() as tx:
            errors = checklist_admin.validate(tx, org_id=me.actor.org_id, data=data)
        raise ValidationFailed({**errors, **edge})


def _units(request: Request, me: Me) -> list[tuple[str, str]]:
    if not checklist_admin.may_administer(me.actor):
        raise PermissionDenied(checklist_admin.denied())
    with uow_of(request).read() as tx:
        return [(u.value, u.label) for u in gv.unit_choices(tx, me.actor)]


def _page(action: str, title: str) -> Page:
    return Page(action=action, title=title, back=("/admin/sjekklister", _("Tilbake til sjekklistene")),
                intro=_("Lederne for enhetene sjekklisten gjelder, får beskjed i Slack eller Teams når den publiseres. "
                        "Endrer du en publisert sjekkliste, blir det en ny versjon; svar som er gitt, beholder "
                        "ordlyden de ble gitt med."))


@router.get("/admin/sjekklister")
def templates(request: Request, me: MeDep) -> Response:
    try:
        with uow_of(request).read() as tx:
            rows = cv.list_templates(session=tx, actor_id=me.person_id, today=today())
    except DomainError as exc:
        return problem(request, me, exc)
    ok = NOTICES.get(request.query_params.get("ok", ""))
    return render(request, "admin/checklists.html", {"me": me, "title": _("Sjekklister"), "templates": rows,
                                                     "notice": _(ok) if ok else None})


@router.get("/admin/sjekklister/ny")
def template_new(request: Request, me: MeDep) -> Response:
    try:
        units = _units(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    scope = "all" if me.actor.org_wide else "units"
    return show(request, me, template_form(_("Lagre sjekklisten")), _page("/admin/sjekklister/ny", _("Ny sjekkliste")),
                values={"recurrence": "tertial", "scope": scope, "publish_on": today().isoformat()}, units=units,
                checked=set(), units_label=_("Enheter (for «Én sektor»: kryss av sektoren)"))


@router.post("/admin/sjekklister/ny")
def template_create(request: Request, uow: UowDep, post: PostDep) -> Response:
    me = post.me
    try:
        units = _units(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    form, checked = template_form(_("Lagre sjekklisten")), checked_units(post.data)
    values = values_of(form, post.data)
    data, edge = template_input(values, checked)
    try:
        _refuse_edge(request, me, data, edge)
        with uow.write() as tx:
            tpl = checklist_admin.create_template(session=tx, actor_id=me.person_id, org_id=me.actor.org_id,
                                                  data=data, today=today())
    except ValidationFailed as exc:
        return show(request, me, form, _page("/admin/sjekklister/ny", _("Ny sjekkliste")), values=values, units=units,
                    checked=checked, errors=exc.errors, status=422,
                    units_label=_("Enheter (for «Én sektor»: kryss av sektoren)"))
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse(f"/admin/sjekklister/{tpl.id}?ok=ny", status_code=303)


def _edit_page(view: cv.TemplateView) -> Page:
    title = _("Sjekkliste «{name}» (versjon {version})").format(name=view.name, version=view.version)
    return _page(f"/admin/sjekklister/{view.id}", title)


@router.get("/admin/sjekklister/{tid}")
def template_page(request: Request, me: MeDep, tid: str) -> Response:
    try:
        units = _units(request, me)
        with uow_of(request).read() as tx:
            view, values, checked = cv.template_for_edit(session=tx, actor_id=me.person_id, template_id=number_of(tid),
                                                         today=today())
    except DomainError as exc:
        return problem(request, me, exc)
    ok = NOTICES.get(request.query_params.get("ok", ""))
    return render(request, "admin/checklist.html", {
        "me": me, "title": _edit_page(view).title, "view": view, "form": template_form(_("Lagre endringene")),
        "values": values, "units": units, "checked": checked, "notice": _(ok) if ok else None,
        "units_label": _("Enheter (for «Én sektor»: kryss av sektoren)"), "action": f"/admin/sjekklister/{view.id}",
        "intro": _edit_page(view).intro, "general": []})


@router.post("/admin/sjekklister/{tid}")
def template_update(request: Request, uow: UowDep, tid: str, post: PostDep) -> Response:
    me = post.me
    try:
        units = _units(request, me)
        with uow_of(request).read() as tx:
            view, _values, _checked = cv.template_for_edit(session=tx, actor_id=me.person_id,
                                                           template_id=number_of(tid), today=today())
    except DomainError as exc:
        return problem(request, me, exc)
    form, checked = template_form(_("Lagre endringene")), checked_units(post.data)
    values = values_of(form, post.data)
    data, edge = template_input(values, checked)
    try:
        _refuse_edge(request, me, data, edge)
        with uow.write() as tx:
            checklist_admin.edit_template(session=tx, actor_id=me.person_id, template_id=view.id, data=data,
                                          today=today())
    except ValidationFailed as exc:
        return show(request, me, form, _edit_page(view), values=values, units=units, checked=checked,
                    errors=exc.errors, status=422, units_label=_("Enheter (for «Én sektor»: kryss av sektoren)"))
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse(f"/admin/sjekklister/{view.id}?ok=endret", status_code=303)


@router.post("/admin/sjekklister/{tid}/avslutt")
def template_retire(request: Request, uow: UowDep, tid: str, post: PostDep) -> Response:
    me = post.me
    try:
        with uow.write() as tx:
            checklist_admin.retire_template(session=tx, actor_id=me.person_id, template_id=number_of(tid))
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse("/admin/sjekklister?ok=avsluttet", status_code=303)
