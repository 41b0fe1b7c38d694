"""The personal tab «Mine saker» in Teams: Teams SSO into the same staff web session, shown inside Teams.

Why its own routes: the staff pages forbid framing (`frame-ancestors 'none'`), and they keep
doing so. Only the tab routes here may be framed, and only by Teams. The tab page gets a
token with the Teams JS SDK (`authentication.getAuthToken`) and posts it; the server checks
it like the bot's tokens (bot/teams/sso.py) and opens the same session a sign-in link opens
(`web_auth.open_session`). Its cookie is a separate, partitioned one (a Teams tab is a
third-party frame, where the staff cookie's SameSite=Strict is never sent). Without
JavaScript, or outside Teams, the page offers the ordinary sign-in link instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from bot.teams.sso import SsoError, TabTokenValidator
from forms.deps import SettingsDep, UowDep
from forms.guards import same_origin
from forms.staff.pageutil import form_data, now
from forms.staff.web import HEADERS, secret_of
from forms.templating import render
from forms.tenancy import TenantDep
from forms.varsling.security import BadToken, check_token, make_token
from models.errors import DomainError
from models.i18n import N_, _, use_locale
from models.periods import period_of
from models.services import org as org_svc
from models.services import preferences, staff_views, teams_sso, web_auth
from models.services import styringskort as sk
from reports import styringskort_view as skv
from reports.styringskort_html import card_fragment, scope_title

if TYPE_CHECKING:
    from fastapi import FastAPI

    from models.settings import Settings

log = logging.getLogger("trad.web.teams_tab")
TAB_COOKIE = "trad_tab"
TEAMS_SDK = "https://res.cdn.office.net/teams-js/2.22.0/js/MicrosoftTeams.min.js"
FRAME_ANCESTORS = ("'self' https://teams.microsoft.com https://*.teams.microsoft.com https://teams.cloud.microsoft "
                   "https://*.cloud.microsoft https://*.office.com https://*.microsoft365.com https://*.skype.com")
TAB_CSP = ("default-src 'none'; script-src 'self' https://res.cdn.office.net; style-src 'self'; "
           "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
           f"frame-ancestors {FRAME_ANCESTORS}")
SCRIPT = (Path(__file__).resolve().parent / "static" / "teams_tab.js").read_text(encoding="utf-8")
PURPOSE = "teams-tab"


class TabRoute(APIRoute):
    """The staff headers, except that Teams (and only Teams) may frame these pages and load its SDK."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            response = await inner(request)
            for k, v in HEADERS.items():
                if k != "x-frame-options":
                    response.headers[k] = v
            response.headers["content-security-policy"] = TAB_CSP
            return response

        return handler


router = APIRouter(route_class=TabRoute)


def _signed_in(request: Request, uow: UowDep) -> tuple[int, Any] | None:
    cookie = request.cookies.get(TAB_COOKIE, "")
    if not cookie:
        return None
    with uow.write() as tx:  # session_person slides the expiry (and commits that itself)
        pid = web_auth.session_person(tx, cookie)
        if pid is None:
            return None
        try:
            return pid, org_svc.load_actor(tx, person_id=pid)
        except DomainError:
            return None


@router.get("/teams/fane")
def tab(request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    who = _signed_in(request, uow)
    if who is None:
        return render(request, "teams_tab/signin.html", {
            "title": N_("Mine saker"), "sdk": TEAMS_SDK, "token": make_token(secret_of(request), PURPOSE, ttl=900)})
    pid, actor = who
    with uow.read() as tx:
        view = staff_views.home_view(tx, person_id=pid, is_leader=actor.is_leader, now=now(), tz=settings.tz_name)
    return render(request, "teams_tab/home.html", {"title": N_("Mine saker"), "actor": actor, "rows": view.rows,
                                                   "oppdrag": view.oppdrag, "due": view.due,
                                                   "base": settings.public_base_url.rstrip("/")})


@router.get("/teams/fane/styringskort")
def tab_styringskort(request: Request, uow: UowDep, settings: SettingsDep, omfang: str | None = None) -> Response:
    """The person's styringskort inside the tab (last month), with a chooser of the cards they may read.

    The service checks the read (`styringskort.check_read`), so a hand-made `omfang` gets a
    refusal, never the figures. Indicator links open the staff pages in the browser.
    """
    who = _signed_in(request, uow)
    if who is None:
        return RedirectResponse("/teams/fane", status_code=303)
    pid, actor = who
    with uow.read() as tx:
        locale = preferences.person_locale(session=tx, person_id=pid)
    with use_locale(locale, settings.default_locale):
        return _styringskort(request, uow, settings, actor, (omfang or "").strip()[:12])


def _styringskort(request: Request, uow: UowDep, settings: Settings, actor: Any, omfang: str) -> Response:
    base = settings.public_base_url.rstrip("/")
    period = period_of(now(), "month").previous()
    with uow.read() as tx:
        options = skv.readable_scopes(tx, actor=actor, org_name=sk.resolve_scope(
            tx, org_id=actor.org_id, kommune=True).name)
        key = omfang or skv.default_scope_key(actor, options)
        page = {"actor": actor, "options": options, "chosen": key, "period": period, "base": base}
        if key is None:
            return render(request, "teams_tab/styringskort.html", {**page, "title": _("Styringskort"), "text": _(
                "Styringskortet er for ledere langs linja. Du leder ingen enhet.")}, status_code=403)
        try:
            view = skv.card_view(tx, org_id=actor.org_id, scope=skv.scope_for(tx, org_id=actor.org_id, key=key),
                                 period=period, actor_id=actor.person_id)
        except DomainError as exc:
            return render(request, "teams_tab/styringskort.html", {**page, "title": _("Styringskort"),
                                                                  "text": exc.message}, status_code=403)
    fragment = card_fragment(view, indicator_url=lambda r: (
        f"{base}/styringskort/indikator/{r.indicator_id}?omfang={key}&periode={period.key}"))
    return render(request, "teams_tab/styringskort.html", {**page, "title": scope_title(view), "fragment": fragment})


@router.get("/teams/fane.js")
def tab_script() -> Response:
    return Response(SCRIPT, media_type="text/javascript; charset=utf-8")


def _refused(request: Request, text: str, status: int) -> Response:
    return render(request, "teams_tab/refused.html", {"title": N_("Innlogging avvist"), "text": text},
                  status_code=status)


@router.post("/teams/fane/logg-inn")
async def tab_sign_in(request: Request, uow: UowDep, settings: SettingsDep, tenant: TenantDep) -> Response:
    data = await form_data(request)
    try:
        check_token(secret_of(request), data.get("csrf"), PURPOSE)
    except BadToken:
        return _refused(request, N_("Siden var for gammel. Åpne fanen på nytt."), 403)
    if not same_origin(request):
        return _refused(request, N_("Innloggingen kom fra en annen side."), 403)
    validator: TabTokenValidator = request.app.state.teams_tab_validator
    try:
        user = await run_in_threadpool(validator.validate, data.get("sso", ""))
    except SsoError as exc:
        log.info("Teams tab token refused: %s", exc)
        return _refused(request, N_("Teams-innloggingen kunne ikke bekreftes. Bruk innloggingslenken i stedet."), 401)

    def open_session() -> str:
        with uow.write() as tx:
            cookie, _who = teams_sso.sign_in(session=tx, org_id=tenant.id, oid=user.oid,
                                          names=user.names)
            return cookie

    try:
        cookie = await run_in_threadpool(open_session)
    except DomainError as exc:
        return _refused(request, exc.message, 403)
    resp = RedirectResponse("/teams/fane", status_code=303)
    secure = settings.public_base_url.startswith("https")
    resp.set_cookie(TAB_COOKIE, cookie, max_age=int(web_auth.SESSION_TTL.total_seconds()), path="/teams/fane",
                    httponly=True, secure=secure, samesite="none" if secure else "lax", partitioned=secure)
    return resp


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the tab routes when Teams is configured (the staff pages need no change)."""
    if not settings.teams_enabled:
        return
    from bot.teams.package import sso_resource

    app.state.teams_tab_validator = TabTokenValidator(
        settings, audiences=[sso_resource(settings), settings.teams_app_id or ""])
    app.include_router(router)
