"""`/admin/oppdrag`: the oppdragsbrev, a new letter, and new oppdrag in a letter.

Every rule and message is the domain's (models/services/oppdragsbrev.py, oppdrag_admin.py);
this module turns the posted text into the use cases' input and shows their answers.
Units are checkboxes named `unit_<id>`, so the form works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import UowDep, uow_of
from forms.staff.govforms import BAD_DATE, MeDep, Page, field, parse_date, parse_int, values_of
from forms.staff.pageutil import PostDep, problem
from forms.staff.web import Me, StaffRoute, render
from models.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.messages import Form
from models.services import governance_views as gv
from models.services import oppdrag_admin, oppdragsbrev
from models.services import oppdrag_admin_views as av
from models.services.oppdrag_admin import OppdragInput
from models.vocabulary import OPPDRAG_CATEGORIES

router = APIRouter(route_class=StaffRoute)

NOTICES = {"brev": N_("Oppdragsbrevet er lagret."), "oppdrag": N_("Oppdraget er lagret, og eieren har fått beskjed."),
           "delt": N_("Deloppdraget er lagret, og eieren har fått beskjed."), "lukket": N_("Oppdraget er lukket.")}


@dataclass(frozen=True)
class Choices:
    """What an oppdrag form offers: the units this person may pick, the people, and the goals."""

    units: list[tuple[str, str]]
    people: list[tuple[str, str]]
    goals: list[tuple[str, str]]


def refuse_unless_admin(me: Me) -> None:
    if not oppdragsbrev.may_administer(me.actor):
        raise PermissionDenied(oppdragsbrev.DENIED)


def choices(request: Request, me: Me) -> Choices:
    with uow_of(request).read() as tx:
        units = [(u.value, u.label) for u in gv.unit_choices(tx, me.actor)]
        people = [(p.value, p.label) for p in gv.people_choices(tx, org_id=me.actor.org_id)]
        return Choices(units, people, av.goal_choices(tx, org_id=me.actor.org_id))


def show(request: Request, me: Me, form: Form, page: Page, *, values: dict[str, str], units: list[tuple[str, str]],
         checked: set[str], errors: dict[str, str] | None = None, status: int = 200,
         units_label: str = N_("Enheter")) -> Response:
    names = {f.name for f in form.fields} | ({"unit_ids"} if units else set())
    errs = errors or {}
    return render(request, "admin/form.html", {
        "me": me, "title": page.title, "intro": page.intro, "action": page.action, "back": page.back, "form": form,
        "values": values, "units": units, "checked": checked, "units_label": units_label,
        "errors": {k: v for k, v in errs.items() if k in names},
        "general": [v for k, v in errs.items() if k not in names]}, status_code=status)


def checked_units(data: dict[str, str]) -> set[str]:
    return {k[5:] for k, v in data.items() if k.startswith("unit_") and k[5:].isdecimal() and v == "1"}


def oppdrag_form(c: Choices, submit: str) -> Form:
    fields = [
        field("title", N_("Tittel"), max_length=300),
        field("description", N_("Beskrivelse"), "textarea", required=False, max_length=5000),
        field("category", N_("Kategori"), "select", options=[(k, k) for k in OPPDRAG_CATEGORIES]),
        field("owner_id", N_("Eier"), "select", options=c.people),
        field("deadline", N_("Frist"), "date", required=False),
    ]
    if c.goals:
        fields.append(field("goal_id", N_("Mål i planen"), "select", required=False, options=c.goals))
    return Form(form_id="admin.oppdrag", title=N_("Oppdrag"), submit_label=submit, fields=fields)


def oppdrag_input(values: dict[str, str], units: set[str]) -> tuple[OppdragInput, dict[str, str]]:
    """The posted text as the use case's input; an unreadable date is an error of its own."""
    edge: dict[str, str] = {}
    deadline: date | None = None
    if values.get("deadline", "").strip():
        deadline = parse_date(values["deadline"])
        if deadline is None:
            edge["deadline"] = BAD_DATE
    owner = parse_int(values.get("owner_id"))
    return OppdragInput(title=values.get("title", ""), description=values.get("description", ""),
                        category=values.get("category", ""), owner_id=owner or -1,
                        unit_ids=tuple(sorted(int(u) for u in units)), deadline=deadline,
                        goal_id=parse_int(values.get("goal_id"))), edge


def number_of(text: str) -> int:
    if not text.isdecimal() or len(text) > 9:
        raise NotFound(N_("Fant ikke siden."))
    return int(text)


@router.get("/admin/oppdrag")
def letters(request: Request, me: MeDep) -> Response:
    try:
        with uow_of(request).read() as tx:
            rows = oppdragsbrev.list_letters(session=tx, actor_id=me.person_id)
    except DomainError as exc:
        return problem(request, me, exc)
    return render(request, "admin/letters.html", {"me": me, "letters": rows,
                                                  "notice": NOTICES.get(request.query_params.get("ok", ""))})


def letter_form(sectors: list[tuple[str, str]], *, org_wide: bool) -> Form:
    """A kommunalsjef is offered only a letter from their sector; the use case refuses the rest anyway."""
    issuers = list(oppdragsbrev.ISSUERS.items()) if org_wide else [("sektor", oppdragsbrev.ISSUERS["sektor"])]
    return Form(form_id="admin.brev", title=N_("Oppdragsbrev"), submit_label=N_("Lagre oppdragsbrevet"), fields=[
        field("year", N_("År"), "number"),
        field("title", N_("Tittel"), max_length=300),
        field("issuer", N_("Gitt av"), "select", options=issuers),
        field("sector_id", N_("Sektor (når en sektor gir brevet)"), "select", required=False, options=sectors),
        field("case_ref", N_("Politisk sak"), required=False, max_length=200, hint=N_("For eksempel PS 12/26.")),
    ])


LETTER_PAGE = Page(action="/admin/oppdrag/brev/ny", title=N_("Nytt oppdragsbrev"),
                   back=("/admin/oppdrag", N_("Tilbake til oppdragsbrevene")))


def _sectors(request: Request, me: Me) -> list[tuple[str, str]]:
    refuse_unless_admin(me)
    with uow_of(request).read() as tx:
        return oppdragsbrev.sector_choices(tx, actor_id=me.person_id)


@router.get("/admin/oppdrag/brev/ny")
def letter_new(request: Request, me: MeDep) -> Response:
    try:
        sectors = _sectors(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    issuer = "kommunestyre" if me.actor.org_wide else "sektor"
    return show(request, me, letter_form(sectors, org_wide=me.actor.org_wide), LETTER_PAGE, units=[], checked=set(),
                values={"issuer": issuer, "sector_id": sectors[0][0] if len(sectors) == 1 else ""})


@router.post("/admin/oppdrag/brev/ny")
def letter_create(request: Request, uow: UowDep, post: PostDep) -> Response:
    me = post.me
    try:
        sectors = _sectors(request, me)
    except DomainError as exc:
        return problem(request, me, exc)
    form = letter_form(sectors, org_wide=me.actor.org_wide)
    v = values_of(form, post.data)
    try:
        with uow.write() as tx:
            letter = oppdragsbrev.create_letter(
                session=tx, actor_id=me.person_id, org_id=me.actor.org_id, year=parse_int(v["year"]) or -1,
                title=v["title"], issuer=v["issuer"], sector_id=parse_int(v["sector_id"]), case_ref=v["case_ref"])
    except ValidationFailed as exc:
        return show(request, me, form, LETTER_PAGE, values=v, units=[], checked=set(), errors=exc.errors, status=422)
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse(f"/admin/oppdrag/brev/{letter.id}?ok=brev", status_code=303)


@router.get("/admin/oppdrag/brev/{lid}")
def letter_page(request: Request, me: MeDep, lid: str) -> Response:
    try:
        with uow_of(request).read() as tx:
            letter = oppdragsbrev.view_letter(session=tx, actor_id=me.person_id, letter_id=number_of(lid))
            rows = av.letter_oppdrag(tx, actor_id=me.person_id, letter_id=letter.id)
    except DomainError as exc:
        return problem(request, me, exc)
    return render(request, "admin/letter.html", {"me": me, "letter": letter, "rows": rows,
                                                 "notice": NOTICES.get(request.query_params.get("ok", ""))})


def _new_page(letter: oppdragsbrev.LetterView) -> Page:
    return Page(action=f"/admin/oppdrag/brev/{letter.id}/ny", title=_("Nytt oppdrag i «{title}»").format(title=letter.title),
                back=(f"/admin/oppdrag/brev/{letter.id}", N_("Tilbake til oppdragsbrevet")),
                intro=N_("Eieren får beskjed i Slack eller Teams når oppdraget er lagret."))


def _letter_and_choices(request: Request, me: Me, lid: str) -> tuple[oppdragsbrev.LetterView, Choices]:
    with uow_of(request).read() as tx:
        letter = oppdragsbrev.view_letter(session=tx, actor_id=me.person_id, letter_id=number_of(lid))
    return letter, choices(request, me)


@router.get("/admin/oppdrag/brev/{lid}/ny")
def oppdrag_new(request: Request, me: MeDep, lid: str) -> Response:
    try:
        letter, c = _letter_and_choices(request, me, lid)
    except DomainError as exc:
        return problem(request, me, exc)
    return show(request, me, oppdrag_form(c, N_("Lagre oppdraget")), _new_page(letter), values={}, units=c.units,
                checked=set())


@router.post("/admin/oppdrag/brev/{lid}/ny")
def oppdrag_create(request: Request, uow: UowDep, lid: str, post: PostDep) -> Response:
    me = post.me
    try:
        letter, c = _letter_and_choices(request, me, lid)
    except DomainError as exc:
        return problem(request, me, exc)
    form, units = oppdrag_form(c, N_("Lagre oppdraget")), checked_units(post.data)
    values = values_of(form, post.data)
    data, edge = oppdrag_input(values, units)
    try:
        if edge:
            raise ValidationFailed(edge)
        with uow.write() as tx:
            oppdrag_admin.add_oppdrag(session=tx, actor_id=me.person_id, org_id=me.actor.org_id,
                                      letter_id=letter.id, data=data)
    except ValidationFailed as exc:
        return show(request, me, form, _new_page(letter), values=values, units=c.units, checked=units,
                    errors=exc.errors, status=422)
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse(f"/admin/oppdrag/brev/{letter.id}?ok=oppdrag", status_code=303)
