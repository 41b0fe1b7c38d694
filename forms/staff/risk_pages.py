"""The ROS register on the web: the list, one risk, the 5×5 matrix (table and chart), and marking a tiltak done.

Risks are read along the line (models/services/risk.py decides): another unit's risk is a
404 page, exactly as one that does not exist. The forms that change a risk are in
forms/staff/risk_edit_pages.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import SettingsDep, UowDep
from forms.staff.govforms import MeDep, notice
from forms.staff.pageutil import PostDep, now, problem
from forms.staff.web import StaffRoute, current, render
from models.errors import DomainError, NotFound
from models.i18n import N_
from models.periods import local_date
from models.risk import severity
from models.services import governance_views as gv
from models.services import risk, risk_read
from models.services.risk_read import RiskMatrix
from reports.risk_chart import matrix_alt_text, render_risk_matrix_png

router = APIRouter(route_class=StaffRoute)

#: CSS class per band; the band is always written out too, colour only repeats it.
BAND_CLASS = {N_("Lav"): "band-lav", N_("Middels"): "band-middels", N_("Høy"): "band-hoy", N_("Kritisk"): "band-kritisk"}


def unit_param(text: str) -> int | None:
    return int(text) if text.isdecimal() and len(text) <= 9 else None


@router.get("/risiko")
def register(request: Request, me: MeDep, uow: UowDep, settings: SettingsDep, enhet: str = "") -> Response:
    with uow.read() as tx:
        reg = gv.risk_register(tx, actor_id=me.person_id, unit_id=unit_param(enhet),
                               today=local_date(now(), settings.tz_name))
    return render(request, "risk_list.html", {"me": me, "title": N_("Risikoregister (ROS)"), "reg": reg,
                                              "notice": notice(request)})


def grid_of(matrix: RiskMatrix) -> list[tuple[int, list[tuple[int, int, str, str]]]]:
    """Rows from sannsynlighet 5 down to 1; each cell (konsekvens, count, band, css class)."""
    return [(p, [(c, matrix.count(p, c), severity(p * c), BAND_CLASS.get(severity(p * c), ""))
                 for c in range(1, 6)]) for p in range(5, 0, -1)]


@router.get("/risiko/matrise")
def matrix_page(request: Request, me: MeDep, uow: UowDep, enhet: str = "", etter: str = "") -> Response:
    unit_id, after = unit_param(enhet), etter == "1"
    try:
        with uow.read() as tx:
            matrix = risk_read.risk_matrix(session=tx, actor_id=me.person_id, unit_id=unit_id, after=after)
            label = gv.scope_label(tx, actor_id=me.person_id, unit_id=unit_id)
            units = gv.unit_choices(tx, me.actor)
    except DomainError as exc:
        return problem(request, me, exc)
    query = f"enhet={unit_id}&" if unit_id else ""
    return render(request, "risk_matrix.html", {
        "me": me, "title": N_("Risikomatrise"), "matrix": matrix, "grid": grid_of(matrix), "scope": label,
        "units": units, "unit_id": unit_id, "after": after, "bands": matrix.by_severity(),
        "alt": matrix_alt_text(matrix), "png": f"/risiko/matrise.png?{query}etter={'1' if after else '0'}",
        "query": query})


@router.get("/risiko/matrise.png")
def matrix_png(request: Request, uow: UowDep, enhet: str = "", etter: str = "") -> Response:
    me = current(request)
    if me is None:
        return Response(status_code=404)
    unit_id = unit_param(enhet)
    try:
        with uow.read() as tx:
            matrix = risk_read.risk_matrix(session=tx, actor_id=me.person_id, unit_id=unit_id, after=etter == "1")
            label = gv.scope_label(tx, actor_id=me.person_id, unit_id=unit_id)
    except DomainError as exc:
        return Response(status_code=exc.http_status)
    return Response(render_risk_matrix_png(matrix, title=label), media_type="image/png")


@router.get("/risiko/{rid}")
def risk_detail(request: Request, me: MeDep, uow: UowDep, rid: str) -> Response:
    if not rid.isdecimal() or len(rid) > 9:
        return problem(request, me, NotFound(N_("Fant ikke risikoen.")))
    try:
        with uow.read() as tx:
            view = risk_read.get_risk(session=tx, actor_id=me.person_id, risk_id=int(rid))
            mine = gv.my_risk_tiltak_ids(tx, person_id=me.person_id, risk_id=view.id)
    except DomainError as exc:
        return problem(request, me, exc)
    return render(request, "risk.html", {
        "me": me, "title": f"{view.ref} {view.title}", "r": view, "manage": me.actor.manages(view.unit_id),
        "mine": mine, "notice": notice(request), "band_after": severity(view.risk_after)})


@router.post("/risiko/tiltak/{tid}/utfort")
def risk_tiltak_done(request: Request, uow: UowDep, tid: str, post: PostDep) -> Response:
    me, rid = post.me, post.data.get("risiko", "")
    if not tid.isdecimal() or not rid.isdecimal():
        return problem(request, me, NotFound(N_("Fant ikke tiltaket.")))
    try:
        with uow.write() as tx:
            risk.complete_risk_tiltak(session=tx, actor_id=me.person_id, tiltak_id=int(tid))
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse(f"/risiko/{rid}?ok=utfort", status_code=303)
