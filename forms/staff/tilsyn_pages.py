"""The tilsyn register on the web: the list, registering a tilsyn with its findings, adding and updating findings.

Leaders read and register along the line (models/services/tilsyn.py decides); a finding's
owner may update its status and tiltak. A finding's deadline can not be before the tilsyn:
the domain says so on the field, and nothing is stored.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep, uow_of
from forms.staff.govforms import (
    BAD_DATE,
    MeDep,
    Page,
    field,
    notice,
    parse_date,
    parse_int,
    show_form,
    values_of,
)
from forms.staff.pageutil import PostDep, problem
from forms.staff.risk_pages import unit_param
from forms.staff.web import Me, StaffRoute, render
from models.errors import DomainError, PermissionDenied, ValidationFailed
from models.governance_terms import FINDING_KINDS, TILSYN_AUTHORITIES
from models.i18n import N_, _
from models.messages import Form, FormField
from models.services import governance_views as gv
from models.services import tilsyn
from models.services.tilsyn import FindingInput, TilsynInput

router = APIRouter(route_class=StaffRoute)

SLOTS = 3  # finding rows on the register form; more are added on the tilsyn afterwards
NEVER = date.min  # stands in for an unreadable deadline: the domain refuses it, so nothing is stored


@router.get("/tilsyn")
def tilsyn_list(request: Request, me: MeDep, uow: UowDep, enhet: str = "", ar: str = "") -> Response:
    year = int(ar) if ar.isdecimal() and len(ar) == 4 else None
    unit_id = unit_param(enhet)
    try:
        with uow.read() as tx:
            rows = tilsyn.list_tilsyn(session=tx, actor_id=me.person_id, unit_id=unit_id, year=year, limit=200)
            units = gv.unit_choices(tx, me.actor)
    except DomainError as exc:
        return problem(request, me, exc)
    return render(request, "tilsyn.html", {"me": me, "title": N_("Tilsyn"), "rows": rows, "units": units,
                                           "unit_id": unit_id, "year": year, "notice": notice(request)})


def finding_fields(prefix: str, label_suffix: str, required: bool) -> list[FormField]:
    return [
        field(f"{prefix}kind", _("Type funn") + label_suffix, "select", required=required, options=list(FINDING_KINDS.items())),
        field(f"{prefix}description", _("Beskrivelse av funnet") + label_suffix, "textarea", required=required, max_length=5000),
        field(f"{prefix}deadline", _("Frist") + label_suffix, "date", required=required),
        field(f"{prefix}tiltak", _("Tiltak") + label_suffix, "textarea", required=False, max_length=5000),
    ]


def _register_form(units: tuple[gv.Choice, ...]) -> Form:
    fields = [
        field("authority", N_("Tilsynsmyndighet"), "select", options=list(TILSYN_AUTHORITIES.items())),
        field("authority_name", N_("Navn på myndigheten (når «Annet»)"), required=False, max_length=200),
        field("held_on", N_("Dato for tilsynet"), "date"),
        field("theme", N_("Tema"), max_length=300),
        field("unit_id", N_("Enhet"), "select", options=[(u.value, u.label) for u in units]),
    ]
    for i in range(SLOTS):
        fields += finding_fields(f"findings.{i}.", " (" + _("funn {n}").format(n=i + 1) + ")", required=False)
    return Form(form_id="tilsyn", title=N_("Registrer tilsyn"), submit_label=N_("Registrer tilsynet"), fields=fields)


def finding_input(v: dict[str, str], prefix: str, edge: dict[str, str]) -> FindingInput:
    deadline = parse_date(v.get(f"{prefix}deadline"))
    if deadline is None:
        edge[f"{prefix}deadline"] = BAD_DATE
    return FindingInput(kind=v.get(f"{prefix}kind", ""), description=v.get(f"{prefix}description", ""),
                        deadline=deadline or NEVER, tiltak=v.get(f"{prefix}tiltak", ""))


REGISTER_PAGE = Page(action="/tilsyn/ny", title=N_("Registrer tilsyn"), back=("/tilsyn", N_("Tilbake til tilsyn")),
                     intro=N_("Fyll ut tilsynet og funnene (avvik, merknad eller pålegg). Tomme funn hoppes over. "
                           "Flere funn kan legges til etterpå."))


def _choices(request: Request, me: Me) -> tuple[gv.Choice, ...]:
    if not me.is_leader:
        raise PermissionDenied(N_("Bare ledere kan registrere tilsyn."))
    with uow_of(request).read() as tx:
        return gv.unit_choices(tx, me.actor)


@router.get("/tilsyn/ny")
def register_form(request: Request, me: MeDep) -> Response:
    try:
        units = _choices(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    return show_form(request, me, _register_form(units), REGISTER_PAGE,
                     values={"unit_id": units[0].value if len(units) == 1 else ""})


def _store_tilsyn(request: Request, me: Me, v: dict[str, str]) -> None:
    """All or nothing: the domain refuses every bad field at once; unreadable dates are marked here."""
    edge: dict[str, str] = {}
    held_on = parse_date(v.get("held_on"))
    if held_on is None:
        raise ValidationFailed({"held_on": BAD_DATE})
    slots = [f"findings.{i}." for i in range(SLOTS)]
    used = [p for p in slots if any(v.get(f"{p}{k}", "").strip() for k in ("kind", "description", "deadline", "tiltak"))]
    findings = [finding_input(v, p, edge) for p in used]
    unit = parse_int(v.get("unit_id"))
    data = TilsynInput(authority=v.get("authority", ""), authority_name=v.get("authority_name", ""), held_on=held_on,
                       theme=v.get("theme", ""), unit_id=-1 if unit is None else unit)
    try:
        with uow_of(request).write() as tx:
            tilsyn.register_tilsyn(session=tx, actor_id=me.person_id, data=data, findings=findings)
    except ValidationFailed as exc:  # the used slots keep their own numbers on the page
        renamed = {_renumber(k, used): msg for k, msg in exc.errors.items()}
        raise ValidationFailed({**renamed, **edge}) from exc


def _renumber(key: str, used: list[str]) -> str:
    if key.startswith("findings."):
        i, _, rest = key.removeprefix("findings.").partition(".")
        return f"{used[int(i)]}{rest}"
    return key


@router.post("/tilsyn/ny")
def register_submit(request: Request, post: PostDep) -> Response:
    me = post.me
    try:
        form = _register_form(_choices(request, me))
    except DomainError as exc:
        return problem(request, me, exc)
    values = values_of(form, post.data)
    try:
        _store_tilsyn(request, me, values)
    except ValidationFailed as exc:
        return show_form(request, me, form, REGISTER_PAGE, values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        return show_form(request, me, form, REGISTER_PAGE, values=values, errors={"form": exc.message},
                         status=exc.http_status)
    return RedirectResponse("/tilsyn?ok=tilsyn", status_code=303)
