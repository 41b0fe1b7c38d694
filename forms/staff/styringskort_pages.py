"""`/styringskort`: the card of a unit, a sector or the kommune, its matrix and each indicator's history.

Read along the line: the chooser offers only what the person may read, and the service refuses
the rest (`styringskort.check_read`), so a hand-made URL gets a 403 page, never the figures.
The history chart is a PNG of its own URL, drawn on the server, with the values as a table too.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from forms.deps import UowDep
from forms.staff.pageutil import now, problem, to_login
from forms.staff.web import Me, StaffRoute, current, render
from models.errors import DomainError, NotFound
from models.i18n import N_, _
from models.periods import Period, parse_period, period_of
from models.services import styringskort as sk
from reports import styringskort_cache as skc
from reports import styringskort_view as skv
from reports.styringskort_chart import history_alt_text, render_history_png
from reports.styringskort_html import CSS, card_fragment, history_table, scope_title

router = APIRouter(route_class=StaffRoute)


def _memo(request: Request) -> skc.Memo:
    """This app's (this worker's) memo of rendered cards; correct across workers by the plan version."""
    memo = getattr(request.app.state, "styringskort_memo", None)
    if memo is None:
        memo = request.app.state.styringskort_memo = skc.Memo()
    return memo


def _period(raw: str | None) -> Period:
    """The chosen period, or last month (this month's values are rarely in yet)."""
    return parse_period(raw) if raw else period_of(now(), "month").previous()


def _query(scope_key: str, period: Period) -> str:
    return urlencode({"omfang": scope_key, "periode": period.key})


def _choose(request: Request, me: Me, uow: UowDep, omfang: str | None, periode: str | None
            ) -> tuple[list[skv.ScopeOption], str, Period] | Response:
    """The options the person may read, the scope key asked for (or their default) and the period."""
    with uow.read() as tx:
        options = skv.readable_scopes(tx, actor=me.actor, org_name=sk.resolve_scope(
            tx, org_id=me.actor.org_id, kommune=True).name)
    key = (omfang or "").strip() or skv.default_scope_key(me.actor, options)
    if key is None:
        return render(request, "info.html", {"me": me, "title": N_("Ingen styringskort"), "paragraphs": [
            N_("Styringskortet er for ledere langs linja. Du leder ingen enhet.")]}, status_code=403)
    try:
        period = _period(periode)
    except DomainError as exc:
        return problem(request, me, exc)
    return options, key, period


@router.get("/styringskort")
def styringskort_page(request: Request, uow: UowDep, omfang: str | None = None,
                      periode: str | None = None) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    chosen = _choose(request, me, uow, omfang, periode)
    if isinstance(chosen, Response):
        return chosen
    options, key, period = chosen
    try:
        with uow.read() as tx:
            view, fragment = skc.card_page(
                tx, _memo(request), org_id=me.actor.org_id, key=key, period=period, actor=me.actor, kind="web",
                fragment=lambda v: card_fragment(
                    v, indicator_url=lambda r: f"/styringskort/indikator/{r.indicator_id}?{_query(key, period)}",
                    scope_url=lambda k: f"/styringskort?{_query(k, period)}"))
    except DomainError as exc:
        return problem(request, me, exc)
    return render(request, "styringskort.html", {
        "me": me, "title": scope_title(view), "view": view, "fragment": fragment, "options": options,
        "chosen": key, "period": period, "periods": skv.period_options(period_of(now(), "month"), period)})


def _indicator(request: Request, uow: UowDep, me: Me, indicator_id: str, omfang: str | None,
               periode: str | None) -> tuple[sk.CardRow, list[skv.HistoryPoint], str, Period, sk.Scope] | Response:
    chosen = _choose(request, me, uow, omfang, periode)
    if isinstance(chosen, Response):
        return chosen
    _, key, period = chosen
    try:
        if not indicator_id.isdecimal() or len(indicator_id) > 9:
            raise NotFound(N_("Fant ikke indikatoren."))
        with uow.read() as tx:
            scope = skv.scope_for(tx, org_id=me.actor.org_id, key=key)
            card = sk.styringskort(session=tx, org_id=me.actor.org_id, scope=scope, period=period,
                                   actor_id=me.person_id)
            row = skv.find_row(card, int(indicator_id))
            points = skv.history(tx, org_id=me.actor.org_id, scope=scope, row=row)
    except DomainError as exc:
        return problem(request, me, exc)
    return row, points, key, period, scope


@router.get("/styringskort/indikator/{indicator_id}")
def indicator_page(request: Request, uow: UowDep, indicator_id: str, omfang: str | None = None,
                   periode: str | None = None) -> Response:
    me = current(request)
    if me is None:
        return to_login(request)
    found = _indicator(request, uow, me, indicator_id, omfang, periode)
    if isinstance(found, Response):
        return found
    row, points, key, period, scope = found
    return render(request, "styringskort_indikator.html", {
        "me": me, "title": _("{name} – historikk").format(name=row.name), "row": row, "scope": scope, "table": history_table(row, points),
        "alt": history_alt_text(row.name, row.measure, points), "back": f"/styringskort?{_query(key, period)}",
        "chart": f"/styringskort/indikator/{row.indicator_id}/graf.png?{_query(key, period)}"})


@router.get("/styringskort/indikator/{indicator_id}/graf.png")
def indicator_chart(request: Request, uow: UowDep, indicator_id: str, omfang: str | None = None,
                    periode: str | None = None) -> Response:
    me = current(request)
    if me is None:
        return Response(status_code=401)
    found = _indicator(request, uow, me, indicator_id, omfang, periode)
    if isinstance(found, Response):
        return found
    row, points = found[0], found[1]
    return Response(render_history_png(row.name, row.measure, points), media_type="image/png")


@router.get("/styringskort.css")
def stylesheet() -> Response:
    """The card's stylesheet, shared with the printable file (reports/templates/styringskort.css)."""
    return Response(CSS, media_type="text/css")
