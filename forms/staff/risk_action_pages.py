"""Smaller forms on one risk: add a tiltak, link the avvik that realised it, close it.

Each is a page of its own (no script needed), for the leaders of the risk's unit; the use
cases in models/services/risk.py check and word everything.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep, uow_of
from forms.staff.govforms import BAD_DATE, MeDep, Page, field, parse_date, parse_int, show_form, values_of
from forms.staff.pageutil import PostDep, problem
from forms.staff.risk_edit_pages import managed_risk
from forms.staff.web import Me, StaffRoute
from models.errors import DomainError, NotFound, ValidationFailed
from models.i18n import N_, _
from models.messages import Form
from models.services import governance_views as gv
from models.services import risk
from models.services.risk_read import RiskView
from models.uow import Tx

router = APIRouter(route_class=StaffRoute)

Action = Callable[[Tx, Me, RiskView, dict[str, str]], None]


def _tiltak_form(people: tuple[gv.Choice, ...]) -> Form:
    return Form(form_id="risk.tiltak", title=N_("Tiltak"), submit_label=N_("Lagre tiltaket"), fields=[
        field("description", N_("Tiltak"), "textarea", max_length=5000),
        field("deadline", N_("Frist"), "date"),
        field("owner_id", N_("Ansvarlig"), "select", required=False, options=[(p.value, p.label) for p in people]),
    ])


def _link_form() -> Form:
    return Form(form_id="risk.link", title=N_("Koble avvik"), submit_label=N_("Koble avviket"), fields=[
        field("avvik", N_("Avviksnummer (AV-…)"), hint=N_("Avviket som viser at risikoen har inntruffet, for eksempel AV-12.")),
    ])


def _close_form() -> Form:
    return Form(form_id="risk.close", title=N_("Lukk risiko"), submit_label=N_("Lukk risikoen"), fields=[
        field("reason", N_("Hvorfor lukkes risikoen?"), "textarea", max_length=5000),
    ])


def _add_tiltak(tx: Tx, me: Me, view: RiskView, v: dict[str, str]) -> None:
    deadline = parse_date(v.get("deadline"))
    if deadline is None:  # nothing is stored: the other fields' messages come with the date's
        errors = {"deadline": BAD_DATE}
        if len((v.get("description") or "").strip()) < 3:
            errors["description"] = N_("Beskriv tiltaket.")
        raise ValidationFailed(errors)
    risk.add_risk_tiltak(session=tx, actor_id=me.person_id, risk_id=view.id, description=v.get("description", ""),
                         deadline=deadline, owner_id=parse_int(v.get("owner_id")))


def _link(tx: Tx, me: Me, view: RiskView, v: dict[str, str]) -> None:
    text = (v.get("avvik") or "").strip().upper().removeprefix("AV-").strip()
    if not text.isdecimal() or len(text) > 9:
        raise ValidationFailed({"avvik": N_("Skriv nummeret på avviket, for eksempel AV-12.")})
    aid = gv.avvik_id_by_number(tx, actor_id=me.person_id, number=int(text))
    risk.link_avvik(session=tx, actor_id=me.person_id, avvik_id=aid, risk_id=view.id)


def _close(tx: Tx, me: Me, view: RiskView, v: dict[str, str]) -> None:
    risk.close_risk(session=tx, actor_id=me.person_id, risk_id=view.id, reason=v.get("reason", ""))


ACTIONS: dict[str, tuple[str, str, str]] = {
    # path part: (page title, the redirect's ?ok=, intro)
    "tiltak": (N_("Nytt tiltak for {ref}"), "tiltak", N_("Hva skal gjøres for å redusere risikoen, av hvem og innen når?")),
    "avvik": (N_("Koble avvik til {ref}"), "koblet", N_("Et avvik som viser at risikoen har inntruffet.")),
    "lukk": (N_("Lukk {ref}"), "lukket", N_("En lukket risiko tas ut av risikomatrisen. Den blir stående i historikken.")),
}
HANDLERS: dict[str, Action] = {"tiltak": _add_tiltak, "avvik": _link, "lukk": _close}


def _form_for(request: Request, me: Me, kind: str) -> Form:
    if kind == "tiltak":
        with uow_of(request).read() as tx:
            return _tiltak_form(gv.people_choices(tx, org_id=me.actor.org_id))
    return _link_form() if kind == "avvik" else _close_form()


def _page(view: RiskView, kind: str) -> Page:
    title, _ok, intro = ACTIONS[kind]
    return Page(action=f"/risiko/{view.id}/{kind}", title=_(title).format(ref=view.ref), intro=intro,
                back=(f"/risiko/{view.id}", _("Tilbake til {ref}").format(ref=view.ref)))


@router.get("/risiko/{rid}/{kind}")
def action_form(request: Request, me: MeDep, rid: str, kind: str) -> Response:
    try:
        if kind not in ACTIONS:
            raise NotFound(N_("Fant ikke siden."))
        view = managed_risk(request, me, rid)
        form = _form_for(request, me, kind)
    except DomainError as exc:
        return problem(request, me, exc)
    values = {"owner_id": str(me.person_id)} if kind == "tiltak" else {}
    return show_form(request, me, form, _page(view, kind), values=values)


@router.post("/risiko/{rid}/{kind}")
def action_submit(request: Request, uow: UowDep, rid: str, kind: str, post: PostDep) -> Response:
    me = post.me
    try:
        if kind not in ACTIONS:
            raise NotFound(N_("Fant ikke siden."))
        view = managed_risk(request, me, rid)
        form = _form_for(request, me, kind)
    except DomainError as exc:
        return problem(request, me, exc)
    page, values = _page(view, kind), values_of(form, post.data)
    try:
        with uow.write() as tx:
            HANDLERS[kind](tx, me, view, values)
    except ValidationFailed as exc:
        return show_form(request, me, form, page, values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        return show_form(request, me, form, page, values=values, errors={"form": exc.message}, status=exc.http_status)
    return RedirectResponse(f"/risiko/{view.id}?ok={ACTIONS[kind][1]}", status_code=303)
