"""The årshjul on the web: the year view for everyone, and the forms admins and the kommunedirektør use to change it.

Who may change it, and every message, is the domain's (models/services/arshjul.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.badges import month_name
from forms.deps import SettingsDep, UowDep, uow_of
from forms.staff import govforms as gf
from forms.staff.govforms import MeDep, Page, field, show_form
from forms.staff.pageutil import PostDep, now, problem
from forms.staff.web import Me, StaffRoute, render
from models.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from models.governance_terms import ARSHJUL_KINDS, ARSHJUL_ROLES
from models.i18n import N_, _
from models.messages import Form
from models.periods import local_date
from models.services import arshjul
from models.services import governance_views as gv
from models.services.arshjul import ActivityInput, ArshjulEntry

router = APIRouter(route_class=StaffRoute)

YEARLY = [("ja", N_("Ja, samme dato hvert år")), ("nei", N_("Nei, bare denne datoen"))]


@router.get("/arshjul")
def year_page(request: Request, me: MeDep, uow: UowDep, settings: SettingsDep, ar: str = "") -> Response:
    this_year = local_date(now(), settings.tz_name).year
    year = int(ar) if ar.isdecimal() and len(ar) == 4 and 2000 <= int(ar) <= 2100 else this_year
    with uow.read() as tx:
        entries = arshjul.year_view(session=tx, actor_id=me.person_id, year=year)
    months: list[tuple[str, list[ArshjulEntry]]] = [(month_name(m), []) for m in range(1, 13)]
    for e in entries:
        months[e.on.month - 1][1].append(e)
    return render(request, "arshjul.html", {
        "me": me, "title": _("Årshjul {year}").format(year=year), "year": year, "months": [(m, es) for m, es in months if es],
        "may_edit": me.actor.org_wide, "notice": gf.notice(request), "count": len(entries)})


def _form(units: tuple[gv.Choice, ...]) -> Form:
    return Form(form_id="arshjul", title=N_("Aktivitet"), submit_label=N_("Lagre aktiviteten"), fields=[
        field("title", N_("Tittel"), max_length=200),
        field("kind", N_("Type"), "select", options=list(ARSHJUL_KINDS.items())),
        field("on_date", N_("Dato"), "date"),
        field("yearly", N_("Gjentas hvert år"), "select", options=YEARLY),
        field("responsible_role", N_("Ansvarlig rolle"), "select", options=list(ARSHJUL_ROLES.items())),
        field("unit_id", N_("Bare for en del av organisasjonen"), "select", required=False,
              options=[(u.value, u.label) for u in units]),
        field("lead_days", N_("Varsle antall dager før"), "number"),
        field("description", N_("Beskrivelse"), "textarea", required=False, max_length=2000),
    ])


def _input_of(v: dict[str, str]) -> ActivityInput:
    on = gf.parse_date(v.get("on_date"))
    if on is None:  # the domain does not see the other fields until there is a date
        raise ValidationFailed({"on_date": gf.BAD_DATE})
    lead = gf.parse_int(v.get("lead_days"))
    return ActivityInput(title=v.get("title", ""), on_date=on, responsible_role=v.get("responsible_role", ""),
                         lead_days=-1 if lead is None else lead, yearly=v.get("yearly", "ja") != "nei",
                         kind=v.get("kind", ""), description=v.get("description", ""),
                         unit_id=gf.parse_int(v.get("unit_id")))


def _values(a: ActivityInput) -> dict[str, str]:
    return {"title": a.title, "kind": a.kind, "on_date": a.on_date.isoformat(), "yearly": "ja" if a.yearly else "nei",
            "responsible_role": a.responsible_role, "unit_id": str(a.unit_id or ""), "lead_days": str(a.lead_days),
            "description": a.description}


def _admin_units(request: Request, me: Me) -> tuple[gv.Choice, ...]:
    if not me.actor.org_wide:
        raise PermissionDenied(N_("Bare administratorer og kommunedirektøren kan endre årshjulet."))
    with uow_of(request).read() as tx:
        return gv.unit_choices(tx, me.actor)


def _page(aid: int | None) -> Page:
    if aid is None:
        return Page(action="/arshjul/ny", title=N_("Ny aktivitet i årshjulet"), back=("/arshjul", N_("Tilbake til årshjulet")),
                    intro=N_("Påminnelsen går i chat til alle med den ansvarlige rollen, det antall dager før datoen."))
    return Page(action=f"/arshjul/{aid}/endre", title=N_("Endre aktivitet"), back=("/arshjul", N_("Tilbake til årshjulet")))


def _activity_id(text: str) -> int:
    if not text.isdecimal() or len(text) > 9:
        raise NotFound(N_("Fant ikke aktiviteten."))
    return int(text)


@router.get("/arshjul/ny")
def add_form(request: Request, me: MeDep, settings: SettingsDep) -> Response:
    try:
        form = _form(_admin_units(request, me))
    except DomainError as exc:
        return problem(request, me, exc)
    return show_form(request, me, form, _page(None), values={"kind": "annet", "yearly": "ja", "lead_days": "14"})


@router.get("/arshjul/{aid}/endre")
def edit_form(request: Request, me: MeDep, aid: str) -> Response:
    try:
        form = _form(_admin_units(request, me))
        with uow_of(request).read() as tx:
            current_values = gv.activity_input(tx, actor_id=me.person_id, activity_id=_activity_id(aid))
    except DomainError as exc:
        return problem(request, me, exc)
    return render(request, "arshjul_edit.html", {
        "me": me, "title": N_("Endre aktivitet"), "form": form, "action": f"/arshjul/{aid}/endre", "aid": aid,
        "back": ("/arshjul", N_("Tilbake til årshjulet")), "values": _values(current_values)})


def _submit(request: Request, me: Me, data: dict[str, str], aid: int | None) -> Response:
    try:
        form = _form(_admin_units(request, me))
    except DomainError as exc:
        return problem(request, me, exc)
    values = gf.values_of(form, data)
    try:
        clean = _input_of(values)
        with uow_of(request).write() as tx:
            if aid is None:
                act = arshjul.add_activity(session=tx, actor_id=me.person_id, data=clean)
            else:
                act = arshjul.update_activity(session=tx, actor_id=me.person_id, activity_id=aid, data=clean)
    except ValidationFailed as exc:
        return show_form(request, me, form, _page(aid), values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        return problem(request, me, exc)
    year = "" if act.yearly else f"ar={act.on_date.year}&"  # a one-off activity: show its year
    return RedirectResponse(f"/arshjul?{year}ok=aktivitet", status_code=303)


@router.post("/arshjul/ny")
def add_submit(request: Request, post: PostDep) -> Response:
    return _submit(request, post.me, post.data, None)


@router.post("/arshjul/{aid}/endre")
def edit_submit(request: Request, aid: str, post: PostDep) -> Response:
    try:
        activity = _activity_id(aid)
    except DomainError as exc:
        return problem(request, post.me, exc)
    return _submit(request, post.me, post.data, activity)


@router.post("/arshjul/{aid}/fjern")
def remove(request: Request, aid: str, post: PostDep) -> Response:
    try:
        with uow_of(request).write() as tx:
            arshjul.remove_activity(session=tx, actor_id=post.me.person_id, activity_id=_activity_id(aid))
    except DomainError as exc:
        return problem(request, post.me, exc)
    return RedirectResponse("/arshjul?ok=fjernet", status_code=303)
