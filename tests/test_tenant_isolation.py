"""Two kommuner with the same shapes in one installation: nothing of one is ever seen from the other (issue 13).

Both are seeded by the same factory (same unit paths, same names, same roles); each reports an avvik
with a marker of its own and gets a varsel. Every read a person can make — people, roles, avvik, AV-n
numbers, checklists, oppdrag, summaries, nudges, App Home, the staff pages and the varsling form —
is run as people of kommune A and of kommune B, and the other kommune's marker, ids and name must
never appear.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.errors import DomainError
from models.services import avvik as avvik_svc
from models.services import checklists, home, listings, nudges, oppdrag, staff_views, varsling_cases, web_auth
from models.services import org as org_svc
from models.tables import Avvik, Organisation, OutboxMessage
from reports.queries import build_summary
from tests.factories import TestOrg, make_test_org
from tests.varsling.helpers import give_keys

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NAMES = {"alver": "Alver kommune", "bjorn": "Bjørnafjorden kommune"}
MARK = {"alver": "ALVERMERKE glatt trapp", "bjorn": "BJORNMERKE knust vindu"}
SECRET = "test-web-Qx7vN2pLk9RzT4mWc8YhJd3FbE6sGa1U"


@pytest.fixture
def two(session: Session) -> dict[str, TestOrg]:
    orgs = {slug: make_test_org(session, slug=slug) for slug in ("alver", "bjorn")}
    for slug, t in orgs.items():
        o = session.get(Organisation, t.org_id)
        assert o is not None
        o.name = NAMES[slug]
        session.add(o)
        session.commit()
        avvik_svc.report_avvik(session=session, reporter_id=t.people["ansatt"], data=avvik_svc.AvvikInput(
            category="hms", description=MARK[slug], probability=3, consequence=3, occurred_at=NOW,
            unit_id=t.units["Oppvekst/Aurvoll skole"]))
        give_keys(session, t, "mottaker")
    return orgs


def _other(slug: str) -> str:
    return "bjorn" if slug == "alver" else "alver"


@pytest.mark.parametrize("me", ["alver", "bjorn"])
def test_every_read_of_one_kommune_shows_nothing_of_the_other(session, two, me):  # type: ignore[no-untyped-def]
    a, b = two[me], two[_other(me)]
    theirs, their_name = MARK[_other(me)], NAMES[_other(me)]
    their_people, their_units = set(b.people.values()), set(b.units.values())
    seen: list[str] = []

    leader, employee = a.people["leder"], a.people["ansatt"]
    actor = org_svc.load_actor(session, person_id=leader)
    assert actor.org_id == a.org_id and not (actor.managed_unit_ids & their_units)
    # AV-n counts per kommune: both have AV-1, and AV-1 is always one's own
    mine = session.exec(select(Avvik).where(Avvik.org_id == a.org_id)).one()
    assert mine.number == 1
    assert avvik_svc.find_avvik_id(session=session, actor_id=leader, number=1) == mine.id
    their_avvik = session.exec(select(Avvik).where(Avvik.org_id == b.org_id)).one()
    for probe in (lambda: avvik_svc.get_avvik(session=session, actor_id=leader, avvik_id=their_avvik.id),
                  lambda: listings.avvik_detail(session=session, actor_id=leader, avvik_id=their_avvik.id, tz="Europe/Oslo")):
        with pytest.raises(DomainError):
            probe()
    seen += [a.description for a in avvik_svc.list_my_avvik(session=session, person_id=employee)]
    seen += [a.description for a in avvik_svc.list_unit_avvik(session=session, actor_id=leader)]
    seen.append(repr(listings.unit_avvik(session=session, actor_id=leader)))
    options = listings.tiltak_owner_options(session=session, actor_id=leader, org_id=a.org_id,
                                            unit_id=a.units["Oppvekst/Aurvoll skole"])
    assert options and not {int(v) for v, _label in options} & their_people
    # checklists and oppdrag: the same shapes, never the other's rows
    rows = checklists.list_checklist(session=session, actor_id=leader, now=NOW)
    assert not {r.item_id for r in rows} & set(b.items)
    mine_oppdrag = oppdrag.list_my_oppdrag(session=session, person_id=leader)
    assert {o.org_id for o in mine_oppdrag} == {a.org_id}
    assert oppdrag.get_oppdrag(session=session, actor_id=leader, number=12).org_id == a.org_id
    # App Home, the staff home and the leader view
    seen.append(repr(home.home_data(session=session, person_id=leader, now=NOW, limit=20)))
    seen.append(repr(staff_views.home_view(session, person_id=leader, is_leader=True, now=NOW, tz="Europe/Oslo")))
    seen.append(repr(staff_views.leader_view(session, actor=actor, now=NOW, sort="risk")))
    # summaries count one avvik, not two; nudges reach only this kommune's leaders
    summary = build_summary(session=session, org_id=a.org_id, period="2026-11", now=NOW)
    seen.append(repr(summary))
    run = nudges.run_nudges(session=session, period="2026-11", org_id=a.org_id, now=NOW, dry_run=True)
    assert run.planned and all(p.email.endswith(f"@{me}.no") for p in run.planned)
    # varsling: only this kommune's recipients
    plan = varsling_cases.plan_recipients(session, org_id=a.org_id, unit_id=None, concerns_director=False)
    assert plan.eligible and not {c.person_id for c in plan.eligible} & their_people
    text = "\n".join(seen)
    assert MARK[me] in text
    assert theirs not in text and their_name not in text


def _app(session_url: str):  # type: ignore[no-untyped-def]
    from bot.main import create_app
    from models.settings import Settings

    return create_app(Settings(DATABASE_URL=session_url, PUBLIC_BASE_URL="http://testserver", SECRET_KEY=SECRET,
                               SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False, TRAD_ORG="alver",
                               TENANT_HOSTS="bjorn=varsling.bjorn.example"))


def _sign_in(client: TestClient, session: Session, person_id: int, prefix: str) -> str:
    """Sign in through the real link pages under `prefix`; returns the home page."""
    link = web_auth.issue_link(session=session, person_id=person_id, public_base_url="http://testserver")
    token = link.split("t=", 1)[1]
    page = client.get(f"{prefix}/logg-inn/lenke?t={token}")
    assert page.status_code == 200, page.text
    form_token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(f"{prefix}/logg-inn/lenke", data={"t": token, "token": form_token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{prefix}/", r.text
    return client.get(f"{prefix}/").text


def test_the_staff_pages_of_each_kommune_under_its_own_address(db_url, session, two):  # type: ignore[no-untyped-def]
    app = _app(db_url)
    with TestClient(app) as plain, TestClient(app) as prefixed:
        home_a = _sign_in(plain, session, two["alver"].people["leder"], "")
        home_b = _sign_in(prefixed, session, two["bjorn"].people["leder"], "/k/bjorn")
        # links on a prefixed kommune's pages keep its prefix
        assert 'href="/k/bjorn/' in home_b and 'href="/avvik' not in home_b
        for client, prefix, me in ((plain, "", "alver"), (prefixed, "/k/bjorn", "bjorn")):
            for path in ("/", "/leder", "/avvik/1"):
                r = client.get(prefix + path)
                assert r.status_code == 200, (prefix, path, r.text[:300])
                assert MARK[_other(me)] not in r.text and NAMES[_other(me)] not in r.text
            assert MARK[me] in client.get(prefix + "/avvik/1").text
        assert NAMES["bjorn"] not in home_a and NAMES["alver"] not in home_b
        # a session of one kommune is no session in the other, whichever way its cookie is sent
        a_cookie = plain.cookies.get("trad_web")
        b_cookie = prefixed.cookies.get("trad_web__bjorn")
        assert a_cookie and b_cookie
        with TestClient(app) as thief:
            r = thief.get("/k/bjorn/leder", headers={"Cookie": f"trad_web__bjorn={a_cookie}"}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/k/bjorn/logg-inn")
            r = thief.get("/leder", headers={"Cookie": f"trad_web={b_cookie}"}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/logg-inn")
        # a CSRF token of one kommune's session does not verify in another
        csrf_b = re.search(r'name="csrf" value="([^"]+)"', home_b).group(1)  # type: ignore[union-attr]
        r = plain.post("/logg-ut", data={"csrf": csrf_b}, follow_redirects=False)
        assert r.status_code == 403
        # a sign-in link of kommune A cannot be spent at kommune B's address
        link = web_auth.issue_link(session=session, person_id=two["alver"].people["ansatt"], public_base_url="x")
        with TestClient(app) as c:
            assert c.get(f"/k/bjorn/logg-inn/lenke?t={link.split('t=', 1)[1]}").status_code == 410
        assert TestClient(app).get("/k/finnesikke/logg-inn").status_code == 404


def test_the_varsling_form_of_each_kommune_reaches_only_its_recipients(db_url, session, two):  # type: ignore[no-untyped-def]
    app = _app(db_url)
    with TestClient(app) as c:
        for address, host, me in (("/varsling", "testserver", "alver"), ("/k/bjorn/varsling", "testserver", "bjorn"),
                                  ("/varsling", "varsling.bjorn.example", "bjorn")):
            page = c.get(address, headers={"host": host})
            assert page.status_code == 200 and NAMES[me] in page.text and NAMES[_other(me)] not in page.text
            assert "set-cookie" not in page.headers
            recipients = re.findall(r'name="recipient" value="(\d+)" checked', page.text)
            assert recipients and {int(r) for r in recipients} <= set(two[me].people.values())
        page = c.get("/k/bjorn/varsling")
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        data = {"what": "Noe kritikkverdig", "where_when": "her", "unit": "", "name": "", "contact": "",
                "action": "send", "token": token, "shown": "|",
                "recipient": re.findall(r'name="recipient" value="(\d+)" checked', page.text)}
        assert c.post("/varsling", data=data).status_code == 400  # a form of kommune B is refused at A's address
        assert c.post("/k/bjorn/varsling", data=data).status_code == 200
    told = {m.recipient_person_id for m in session.exec(select(OutboxMessage).where(
        OutboxMessage.kind.startswith("varsling"))).all()}  # type: ignore[attr-defined]
    assert told and told <= set(two["bjorn"].people.values())
