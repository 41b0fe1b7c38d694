"""The årshjul pages and the private calendar feed over HTTP."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import Session, func, select

from models.tables import ArshjulActivity
from tests.web.conftest import sign_in

ERROR = re.compile(r'<p class="error" id="([a-z_.0-9]+)-error"><span class="visually-hidden">Feil: </span>([^<]+)</p>')
FEED = re.compile(r'id="feed-url">https?://[^<]*?(/kalender/[A-Za-z0-9_-]+\.ics)<')


def _as(web, key: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    return c, sign_in(c, web, key)


def _count(web) -> int:  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        return int(s.exec(select(func.count()).select_from(ArshjulActivity)).one())


def _activity(**over: str) -> dict[str, str]:
    soon = date.today() + timedelta(days=30)
    values = {"title": "Tertialrapport 2", "kind": "tertialrapport", "on_date": soon.isoformat(), "yearly": "ja",
              "responsible_role": "leder", "unit_id": "", "lead_days": "14", "description": "Frist til økonomi"}
    values.update(over)
    return values


def test_admin_adds_and_edits_and_leaders_see_it_as_theirs(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    r = admin.post("/arshjul/ny", data={"csrf": csrf, **_activity()})
    assert r.status_code == 200 and "Aktiviteten er lagret." in r.text and "Tertialrapport 2" in r.text
    leader, _ = _as(web, "leder")
    page = leader.get("/arshjul")
    assert "Tertialrapport 2 <span class=\"tag\">ditt ansvar</span>" in page.text
    assert "Ny aktivitet" not in page.text and "/endre" not in page.text
    employee, _ = _as(web, "ansatt")
    page = employee.get("/arshjul")
    assert "Tertialrapport 2" in page.text and "<span class=\"tag\">ditt ansvar" not in page.text
    aid = int(re.search(r'href="/arshjul/(\d+)/endre">Endre<span class="visually-hidden"> Tertialrapport 2',
                        admin.get("/arshjul").text).group(1))  # type: ignore[union-attr]
    r = admin.post(f"/arshjul/{aid}/endre", data={"csrf": csrf, **_activity(title="Tertialrapport 2 (juni)",
                                                                            responsible_role="kommunalsjef")})
    assert "Tertialrapport 2 (juni)" in r.text
    assert "Tertialrapport 2 (juni) <span class=\"tag\">" not in leader.get("/arshjul").text  # now the kommunalsjef's
    r = admin.post(f"/arshjul/{aid}/fjern", data={"csrf": csrf})
    assert "Aktiviteten er fjernet fra årshjulet." in r.text and "Tertialrapport 2 (juni)" not in r.text


def test_bad_input_and_refusals_store_nothing(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    before = _count(web)
    r = admin.post("/arshjul/ny", data={"csrf": csrf, **_activity(title="x", lead_days="400", responsible_role="sjef")})
    assert r.status_code == 422
    assert dict(ERROR.findall(r.text)) == {"title": "Skriv en tittel (3–200 tegn).",
                                           "responsible_role": "Velg en ansvarlig rolle fra listen.",
                                           "lead_days": "Varslingstiden må være mellom 0 og 365 dager."}
    r = admin.post("/arshjul/ny", data={"csrf": csrf, **_activity(on_date="")})
    assert r.status_code == 422 and dict(ERROR.findall(r.text)) == {"on_date": "Skriv en gyldig dato (dd.mm.åååå)."}
    leader, csrf_l = _as(web, "leder")
    assert leader.get("/arshjul/ny").status_code == 403
    r = leader.post("/arshjul/ny", data={"csrf": csrf_l, **_activity()})
    assert r.status_code == 403 and "Bare administratorer og kommunedirektøren" in r.text
    assert _count(web) == before


def test_private_feed_shows_only_my_deadlines_and_stops_when_revoked(web):  # type: ignore[no-untyped-def]
    admin, csrf_a = _as(web, "admin")
    admin.post("/arshjul/ny", data={"csrf": csrf_a, **_activity(title="ROS-gjennomgang for ledere", kind="ros")})
    admin.post("/arshjul/ny", data={"csrf": csrf_a, **_activity(title="Budsjettforslag fra direktøren",
                                                                kind="budsjett", responsible_role="kommunedirektør")})
    leader, csrf = _as(web, "leder")
    page = leader.get("/kalender")
    assert 'id="feed-status">Du har ingen aktiv kalenderlenke.' in page.text
    r = leader.post("/kalender/ny", data={"csrf": csrf})
    assert r.headers["cache-control"] == "no-store"
    first = FEED.search(r.text).group(1)  # type: ignore[union-attr]
    public = TestClient(web.app)  # type: ignore[arg-type]  # Outlook: no cookie
    feed = public.get(first)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert "no-store" in feed.headers["cache-control"] and "private" in feed.headers["cache-control"]
    summaries = {str(e.get("summary")) for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert "Årshjul: ROS-gjennomgang for ledere" in summaries
    assert not any("Budsjettforslag" in s for s in summaries)  # the kommunedirektør's, not hers
    assert 'id="feed-status">Du har en aktiv kalenderlenke.' in leader.get("/kalender").text
    second = FEED.search(leader.post("/kalender/ny", data={"csrf": csrf}).text).group(1)  # type: ignore[union-attr]
    assert second != first
    assert public.get(first).status_code == 404  # renewed: the old link is dead
    assert public.get(second).status_code == 200
    r = leader.post("/kalender/stopp", data={"csrf": csrf})
    assert "Kalenderlenken er stoppet." in r.text and "Du har ingen aktiv kalenderlenke." in r.text
    gone = public.get(second)
    assert gone.status_code == 404 and "BEGIN:VCALENDAR" not in gone.text
    assert public.get("/kalender/ukjent-token.ics").status_code == 404
    # a forged form (no CSRF token of this session) makes no new link
    assert leader.post("/kalender/ny", data={"csrf": "feil"}).status_code == 403
    assert "Du har ingen aktiv kalenderlenke." in leader.get("/kalender").text
