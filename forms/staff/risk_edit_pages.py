"""The forms that change the ROS register: add, edit, review and close a risk; add a tiltak; link an avvik.

Every check and message is the domain's (models/services/risk.py); a value that is not even
a date here is marked beside the domain's messages for the other fields, and nothing is stored.
Only leaders of the risk's unit get the forms (the use cases refuse anyone else, too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import SettingsDep, UowDep, uow_of
from forms.staff.govforms import (
    BAD_DATE,
    SCORES,
    MeDep,
    Page,
    field,
    parse_date,
    parse_int,
    show_form,
    values_of,
)
from forms.staff.pageutil import PostDep, now, problem
from forms.staff.web import Me, StaffRoute
from models.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from models.governance_terms import TREATMENTS
from models.i18n import N_, _
from models.messages import Form
from models.periods import local_date
from models.services import governance_views as gv
from models.services import risk, risk_read
from models.services.risk import RiskInput, validate_risk_input
from models.services.risk_read import RiskView

router = APIRouter(route_class=StaffRoute)

FAR = date(9999, 12, 31)  # stands in for an unreadable date while the other fields are checked
TREATMENT_OPTIONS = list(TREATMENTS.items())
SCORE_HINT = "1 er lavest og 5 er høyest."


def _risk_form(units: tuple[gv.Choice, ...], people: tuple[gv.Choice, ...], submit: str) -> Form:
    return Form(form_id="risk", title=N_("Risiko"), submit_label=submit, fields=[
        field("title", N_("Overskrift"), max_length=200),
        field("description", N_("Hva kan gå galt?"), "textarea", max_length=5000),
        field("cause", N_("Årsak"), "textarea", required=False, max_length=5000),
        field("consequence_text", N_("Mulig konsekvens"), "textarea", required=False, max_length=5000),
        field("process", N_("Prosess eller aktivitet"), required=False, max_length=200),
        field("unit_id", N_("Enhet"), "select", options=[(u.value, u.label) for u in units]),
        field("probability_before", N_("Sannsynlighet før tiltak (1–5)"), "select", options=SCORES),
        field("consequence_before", N_("Konsekvens før tiltak (1–5)"), "select", options=SCORES),
        field("probability_after", N_("Sannsynlighet etter tiltak (1–5)"), "select", required=False, options=SCORES),
        field("consequence_after", N_("Konsekvens etter tiltak (1–5)"), "select", required=False, options=SCORES),
        field("treatment", N_("Behandling"), "select", options=TREATMENT_OPTIONS),
        field("owner_id", N_("Risikoeier"), "select", required=False, options=[(p.value, p.label) for p in people]),
        field("review_date", N_("Neste gjennomgang"), "date"),
    ])


def _review_form() -> Form:
    return Form(form_id="risk.review", title=N_("Gjennomgang"), submit_label=N_("Lagre gjennomgangen"), fields=[
        field("probability_before", N_("Sannsynlighet før tiltak (1–5)"), "select", options=SCORES),
        field("consequence_before", N_("Konsekvens før tiltak (1–5)"), "select", options=SCORES),
        field("probability_after", N_("Sannsynlighet etter tiltak (1–5)"), "select", options=SCORES),
        field("consequence_after", N_("Konsekvens etter tiltak (1–5)"), "select", options=SCORES),
        field("treatment", N_("Behandling"), "select", options=TREATMENT_OPTIONS),
        field("review_date", N_("Neste gjennomgang"), "date"),
    ])


def _input_of(v: dict[str, str]) -> tuple[RiskInput, dict[str, str]]:
    """The posted text as the use case's input; unreadable dates become an error of their own."""
    errors: dict[str, str] = {}
    review = parse_date(v.get("review_date"))
    if review is None:
        errors["review_date"] = BAD_DATE

    def score(name: str) -> int:
        n = parse_int(v.get(name))
        return -1 if n is None else n

    unit, owner = parse_int(v.get("unit_id")), parse_int(v.get("owner_id"))
    data = RiskInput(
        title=v.get("title", ""), description=v.get("description", ""), cause=v.get("cause", ""),
        consequence_text=v.get("consequence_text", ""), process=v.get("process", ""),
        probability_before=score("probability_before"), consequence_before=score("consequence_before"),
        probability_after=parse_int(v.get("probability_after")), consequence_after=parse_int(v.get("consequence_after")),
        treatment=v.get("treatment", ""), review_date=review or FAR, unit_id=-1 if unit is None else unit,
        owner_id=owner)
    return data, errors


def _all_errors(data: RiskInput, edge: dict[str, str], today: date) -> dict[str, str]:
    """The domain's messages for every field, with the edge's own (unreadable date) on top."""
    try:
        validate_risk_input(data, today=today)
    except ValidationFailed as exc:
        return {**exc.errors, **edge}
    return edge


def _leader_or_refuse(me: Me) -> None:
    if not me.is_leader:
        raise PermissionDenied(N_("Bare ledere kan registrere og endre risikoer."))


def _choices(request: Request, me: Me) -> tuple[tuple[gv.Choice, ...], tuple[gv.Choice, ...]]:
    with uow_of(request).read() as tx:
        return gv.unit_choices(tx, me.actor), gv.people_choices(tx, org_id=me.actor.org_id)


ADD_PAGE = Page(action="/risiko/ny", title=N_("Ny risiko"), back=("/risiko", N_("Tilbake til risikoregisteret")),
                intro=N_("Beskriv risikoen og gi den en score før og etter tiltak. Risiko = sannsynlighet × konsekvens."))


@router.get("/risiko/ny")
def add_form(request: Request, me: MeDep, settings: SettingsDep) -> Response:
    try:
        _leader_or_refuse(me)
        units, people = _choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    first = units[0].value if len(units) == 1 else ""
    return show_form(request, me, _risk_form(units, people, N_("Lagre risikoen")), ADD_PAGE,
                     values={"unit_id": first, "owner_id": str(me.person_id), "treatment": "reduce"})


def _save(request: Request, me: Me, form: Form, page: Page, data: dict[str, str], tz: str,
          store: Callable[[RiskInput], int]) -> Response:
    values = values_of(form, data)
    clean, edge = _input_of(values)
    try:
        if edge:
            raise ValidationFailed(_all_errors(clean, edge, local_date(now(), tz)))
        rid = store(clean)
    except ValidationFailed as exc:
        return show_form(request, me, form, page, values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        return show_form(request, me, form, page, values=values, errors={"form": exc.message}, status=exc.http_status)
    return RedirectResponse(f"/risiko/{rid}?ok=risiko", status_code=303)


@router.post("/risiko/ny")
def add_submit(request: Request, uow: UowDep, settings: SettingsDep, post: PostDep) -> Response:
    me = post.me
    try:
        _leader_or_refuse(me)
        units, people = _choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)

    def store(clean: RiskInput) -> int:
        with uow.write() as tx:
            return risk.add_risk(session=tx, actor_id=me.person_id, data=clean, tz=settings.tz_name).id  # type: ignore[return-value]

    return _save(request, me, _risk_form(units, people, N_("Lagre risikoen")), ADD_PAGE, post.data, settings.tz_name, store)


def managed_risk(request: Request, me: Me, rid: str) -> RiskView:
    """The risk, for its unit's leaders only (others get the domain's 404 or 403 page)."""
    if not rid.isdecimal() or len(rid) > 9:
        raise NotFound(N_("Fant ikke risikoen."))
    with uow_of(request).read() as tx:
        view = risk_read.get_risk(session=tx, actor_id=me.person_id, risk_id=int(rid))
    if not me.actor.manages(view.unit_id):
        raise PermissionDenied(N_("Bare lederen for enheten kan endre denne risikoen."))
    return view


def _edit_values(v: RiskView) -> dict[str, str]:
    return {"title": v.title, "description": v.description, "cause": v.cause, "consequence_text": v.consequence_text,
            "process": v.process, "unit_id": str(v.unit_id), "probability_before": str(v.probability_before),
            "consequence_before": str(v.consequence_before), "probability_after": str(v.probability_after),
            "consequence_after": str(v.consequence_after), "treatment": v.treatment, "owner_id": str(v.owner_id),
            "review_date": v.review_date.isoformat()}


def _edit_page(v: RiskView) -> Page:
    return Page(action=f"/risiko/{v.id}/endre", title=f"Endre {v.ref}", back=(f"/risiko/{v.id}", _("Tilbake til {ref}").format(ref=v.ref)))


@router.get("/risiko/{rid}/endre")
def edit_form(request: Request, me: MeDep, rid: str) -> Response:
    try:
        view = managed_risk(request, me, rid)
        units, people = _choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    return show_form(request, me, _risk_form(units, people, N_("Lagre endringene")), _edit_page(view),
                     values=_edit_values(view))


@router.post("/risiko/{rid}/endre")
def edit_submit(request: Request, uow: UowDep, settings: SettingsDep, rid: str, post: PostDep) -> Response:
    me = post.me
    try:
        view = managed_risk(request, me, rid)
        units, people = _choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)

    def store(clean: RiskInput) -> int:
        with uow.write() as tx:
            risk.update_risk(session=tx, actor_id=me.person_id, risk_id=view.id, data=clean, tz=settings.tz_name)
        return view.id

    return _save(request, me, _risk_form(units, people, N_("Lagre endringene")), _edit_page(view), post.data,
                 settings.tz_name, store)


def _review_page(v: RiskView) -> Page:
    return Page(action=f"/risiko/{v.id}/gjennomga", title=f"Gjennomgå {v.ref}", back=(f"/risiko/{v.id}", _("Tilbake til {ref}").format(ref=v.ref)),
                intro=_("{title}. Bekreft eller endre scorene, og sett datoen for neste gjennomgang.").format(title=v.title))


@router.get("/risiko/{rid}/gjennomga")
def review_form(request: Request, me: MeDep, rid: str) -> Response:
    try:
        view = managed_risk(request, me, rid)
    except DomainError as exc:
        return problem(request, me, exc)
    values = {k: v for k, v in _edit_values(view).items() if k in {f.name for f in _review_form().fields}}
    values["review_date"] = ""
    return show_form(request, me, _review_form(), _review_page(view), values=values)


@router.post("/risiko/{rid}/gjennomga")
def review_submit(request: Request, uow: UowDep, settings: SettingsDep, rid: str, post: PostDep) -> Response:
    me = post.me
    try:
        view = managed_risk(request, me, rid)
    except DomainError as exc:
        return problem(request, me, exc)
    form, page = _review_form(), _review_page(view)
    values = values_of(form, post.data)
    data, edge = _input_of({**_edit_values(view), **values})
    try:
        if edge:
            raise ValidationFailed(_all_errors(replace(data, unit_id=view.unit_id), edge, local_date(now(), settings.tz_name)))
        with uow.write() as tx:
            risk.review_risk(session=tx, actor_id=me.person_id, risk_id=view.id, next_review=data.review_date,
                             probability_before=data.probability_before, consequence_before=data.consequence_before,
                             probability_after=data.probability_after, consequence_after=data.consequence_after,
                             treatment=data.treatment, tz=settings.tz_name)
    except ValidationFailed as exc:
        return show_form(request, me, form, page, values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        return show_form(request, me, form, page, values=values, errors={"form": exc.message}, status=exc.http_status)
    return RedirectResponse(f"/risiko/{view.id}?ok=gjennomgatt", status_code=303)
