"""Each person's private calendar feed: the page to make, renew and stop the link, and the feed itself.

The feed URL is the only key (no sign-in, so Outlook can subscribe): it carries a random
token whose hash alone is stored. A new link stops the old one; a stopped or unknown
link gets 404 and nothing else. The feed must never sit in a shared cache.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from forms.deps import SettingsDep, UowDep
from forms.staff.govforms import MeDep, notice
from forms.staff.pageutil import PostDep, now, problem
from forms.staff.web import StaffRoute, render
from models.errors import DomainError
from models.i18n import N_, _
from models.services import calendar_feed
from models.services import governance_views as gv

router = APIRouter(route_class=StaffRoute)
feed_router = APIRouter()  # public: no staff session, its own headers

FEED_HEADERS = {
    "cache-control": "private, no-store, max-age=0",
    "pragma": "no-cache",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-robots-tag": "noindex",
}


@router.get("/kalender")
def calendar_page(request: Request, me: MeDep, uow: UowDep) -> Response:
    with uow.read() as tx:
        active = gv.has_active_feed(tx, person_id=me.person_id)
    return render(request, "calendar.html", {"me": me, "title": N_("Mine frister i kalenderen"), "active": active,
                                              "url": None, "notice": notice(request)})


@router.post("/kalender/ny")
def calendar_create(request: Request, uow: UowDep, settings: SettingsDep, post: PostDep) -> Response:
    """Shown once, on this page only (no redirect): the token is never stored in the clear."""
    me = post.me
    try:
        with uow.write() as tx:
            token = calendar_feed.create_feed_token(session=tx, actor_id=me.person_id)
    except DomainError as exc:
        return problem(request, me, exc)
    url = f"{settings.public_base_url.rstrip('/')}/kalender/{token}.ics"
    return render(request, "calendar.html", {"me": me, "title": N_("Mine frister i kalenderen"), "active": True,
                                              "url": url})


@router.post("/kalender/stopp")
def calendar_revoke(request: Request, uow: UowDep, post: PostDep) -> Response:
    try:
        with uow.write() as tx:
            calendar_feed.revoke_feed_token(session=tx, actor_id=post.me.person_id)
    except DomainError as exc:
        return problem(request, post.me, exc)
    return RedirectResponse("/kalender?ok=kalender", status_code=303)


@feed_router.get("/kalender/{token}.ics")
def calendar_feed_ics(token: str, uow: UowDep, settings: SettingsDep) -> Response:
    with uow.read() as tx:
        body = calendar_feed.feed_for_token(session=tx, token=token, now=now(), tz=settings.tz_name)
    if body is None:
        return Response(_("Fant ikke kalenderen."), status_code=404, media_type="text/plain; charset=utf-8",
                        headers=FEED_HEADERS)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={**FEED_HEADERS, "content-disposition": 'inline; filename="trad-frister.ics"'})
