"""`/admin`: the administration parts this person may use, one link each; everyone else gets 403."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from forms.staff.govforms import MeDep
from forms.staff.pageutil import problem
from forms.staff.web import StaffRoute, render
from models.errors import PermissionDenied
from models.i18n import _
from models.services import checklist_admin, oppdragsbrev, people_admin

router = APIRouter(route_class=StaffRoute)


@router.get("/admin")
def index(request: Request, me: MeDep) -> Response:
    parts: list[tuple[str, str, str]] = []
    if oppdragsbrev.may_administer(me.actor):
        parts.append(("/admin/oppdrag", _("Oppdragsbrev og oppdrag"),
                      _("Oppdragsbrevene og oppdragene i dem, med eiere og frister.")))
    if checklist_admin.may_administer(me.actor):
        parts.append(("/admin/sjekklister", _("Sjekklister"), _("Sjekklistene for internkontroll og hvem de gjelder.")))
    if people_admin.may_administer(me.actor):
        parts.append(("/admin/personer", _("Personer og enheter"),
                      _("Legg til en leder, flytt en person, deaktiver, gi eller ta roller.")))
    if "admin" in me.actor.roles:
        parts.append(("/admin/innstillinger", _("Kommunens innstillinger"),
                      _("Navn og logo, avvikskategorier, varslingsrutinen og den alternative kanalen.")))
    if not parts:
        return problem(request, me, PermissionDenied(_("Du har ikke tilgang til administrasjonen.")))
    return render(request, "admin/index.html", {"me": me, "title": _("Administrasjon"), "parts": parts})
