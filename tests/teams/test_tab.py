"""The personal tab «Mine saker»: Teams SSO token → the staff web session, shown only where Teams may frame it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models.tables.web_auth import WebSession
from tests.teams.fakes import APP_ID, new_key


@pytest.fixture
def tab(teams_env, db_url, monkeypatch):
    from bot.main import create_app
    from models.settings import get_settings

    monkeypatch.setenv("TEAMS_SSO_APP_ID_URI", f"api://trad.test/{APP_ID}")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings())) as c:
        yield c


def _csrf(client) -> str:
    page = client.get("/teams/fane")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _sign_in(client, token: str):
    return client.post("/teams/fane/logg-inn", data={"csrf": _csrf(client), "sso": token}, follow_redirects=False)


def test_tab_page_asks_teams_for_a_token_and_may_be_framed_by_teams_only(tab, teams_env):
    page = tab.get("/teams/fane")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://teams.microsoft.com" in csp and "x-frame-options" not in page.headers
    assert "https://res.cdn.office.net" in csp and "/teams/fane.js" in page.text
    assert 'href="/logg-inn"' in page.text  # the sign-in link fallback
    assert "getAuthToken" in tab.get("/teams/fane.js").text
    staff = tab.get("/logg-inn")  # the staff pages still refuse every frame
    assert "frame-ancestors 'none'" in staff.headers["content-security-policy"]
    assert staff.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("aud", ["uri", "app-id"])
def test_valid_token_signs_the_person_in_with_a_staff_session(tab, teams_env, org, session, aud):
    token = teams_env.sso_token(email=org.emails["leder"].upper(),
                                aud=APP_ID if aud == "app-id" else None)
    r = _sign_in(tab, token)
    assert r.status_code == 303 and r.headers["location"] == "/teams/fane"
    assert "trad_tab=" in r.headers["set-cookie"]
    rows = session.exec(select(WebSession)).all()
    assert [s.person_id for s in rows] == [org.people["leder"]]
    home = tab.get("/teams/fane")
    assert "<h1>Mine saker</h1>" in home.text and "Mine oppdrag" in home.text
    assert "frame-ancestors 'self' https://teams.microsoft.com" in home.headers["content-security-policy"]


@pytest.mark.parametrize("case", ["audience", "issuer", "tenant", "expired", "foreign-key", "garbage"])
def test_bad_tokens_are_refused_and_nothing_is_stored(tab, teams_env, org, session, case):
    email = org.emails["leder"]
    token = {
        "audience": lambda: teams_env.sso_token(email=email, aud="api://evil.example/other-app"),
        "issuer": lambda: teams_env.sso_token(email=email, iss="https://login.microsoftonline.com/other/v2.0"),
        "tenant": lambda: teams_env.sso_token(email=email, tenant="ffffffff-0000-0000-0000-000000000000"),
        "expired": lambda: teams_env.sso_token(email=email, exp_in=-3600),
        "foreign-key": lambda: teams_env.sso_token(email=email, key=new_key("entra-1", [])),
        "garbage": lambda: "not.a.token",
    }[case]()
    r = _sign_in(tab, token)
    assert r.status_code == 401 and "trad_tab" not in r.headers.get("set-cookie", "")
    assert session.exec(select(WebSession)).all() == []
    assert "Mine oppdrag" not in tab.get("/teams/fane").text


def test_unknown_person_and_missing_form_token_are_refused(tab, teams_env, org, session):
    r = _sign_in(tab, teams_env.sso_token(email="ukjent@annen.no"))
    assert r.status_code == 403 and "fant deg ikke" in r.text
    r = tab.post("/teams/fane/logg-inn", data={"sso": teams_env.sso_token(email=org.emails["leder"])})
    assert r.status_code == 403
    assert session.exec(select(WebSession)).all() == []


def test_the_tab_cookie_is_not_a_way_into_the_ordinary_pages(tab, teams_env, org):
    assert _sign_in(tab, teams_env.sso_token(email=org.emails["ansatt"])).status_code == 303
    r = tab.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/logg-inn")


def test_the_tab_shows_the_leaders_styringskort_inside_teams(tab, teams_env, org):
    assert _sign_in(tab, teams_env.sso_token(email=org.emails["leder"])).status_code == 303
    home = tab.get("/teams/fane")
    assert 'href="/teams/fane/styringskort" target="_self"' in home.text  # opens inside the tab
    page = tab.get("/teams/fane/styringskort")
    assert page.status_code == 200
    assert "Styringskort – enhet" in page.text and "Aurvoll skole" in page.text
    assert "frame-ancestors 'self' https://teams.microsoft.com" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers
    assert '<option value="' in page.text and "Solvang" not in page.text  # only what she may read


def test_the_tab_styringskort_refuses_what_the_person_may_not_read(tab, teams_env, org):
    assert tab.get("/teams/fane/styringskort", follow_redirects=False).headers["location"] == "/teams/fane"
    assert _sign_in(tab, teams_env.sso_token(email=org.emails["leder"])).status_code == 303
    other = tab.get(f"/teams/fane/styringskort?omfang={org.units['Oppvekst/Solvang skole']}")
    assert other.status_code == 403 and "Styringskort – enhet" not in other.text
    assert tab.get("/teams/fane/styringskort?omfang=kommune").status_code == 403


def test_the_tab_styringskort_tells_staff_it_is_for_leaders_in_their_language(tab, teams_env, org, session):
    from models.tables import Person

    assert _sign_in(tab, teams_env.sso_token(email=org.emails["ansatt"])).status_code == 303
    assert "/teams/fane/styringskort" not in tab.get("/teams/fane").text
    page = tab.get("/teams/fane/styringskort")
    assert page.status_code == 403 and "for ledere langs linja" in page.text
    person = session.get(Person, org.people["ansatt"])
    person.locale = "nn"
    session.add(person)
    session.commit()
    assert "for leiarar langs linja" in tab.get("/teams/fane/styringskort").text
