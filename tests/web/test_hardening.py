"""Issue 14 on the staff pages: numbers out of range are a 4xx, and `neste` never leads off the site."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import NONCE, sign_in

HUGE = "99999999999999999999"


@pytest.fixture
def leader(web):  # type: ignore[no-untyped-def]
    with TestClient(web.app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        yield c, sign_in(c, web, "leder")


def test_numbers_out_of_range_on_staff_pages_are_4xx(web, leader):  # type: ignore[no-untyped-def]
    c, csrf = leader
    answers = [
        c.post("/sjekkliste", data={"csrf": csrf, "answer": "ja", "unit_id": HUGE, "item_id": "1"}),
        c.post("/sjekkliste", data={"csrf": csrf, "answer": "ja", "unit_id": "1", "item_id": HUGE}),
        c.get(f"/sjekkliste/nei?enhet={HUGE}&punkt=1"),
        c.post(f"/tiltak/{HUGE}/utfort", data={"csrf": csrf, "avvik": HUGE}),
        c.get(f"/avvik/{HUGE}"),
        c.get(f"/oppdrag/{HUGE}"),
    ]
    page = c.get("/avvik/ny").text
    for field in ("unit_id", "probability", "consequence"):
        answers.append(c.post("/avvik/ny", data={
            "csrf": csrf, "nonce": NONCE.search(page).group(1), "category": "hms",  # type: ignore[union-attr]
            "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"]), "description": "Glatt gulv i gangen",
            "occurred_at": "2026-11-20", "occurred_at_time": "10:15", "location": "B", "probability": "3",
            "consequence": "4", "immediate_action": "", field: HUGE}))
    statuses = [r.status_code for r in answers]
    assert all(400 <= s < 500 for s in statuses), str(statuses)
    assert all(r.headers["cache-control"] == "no-store" for r in answers)


@pytest.mark.parametrize("neste", [
    "/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "/%5Cevil.example", "/%2F/evil.example", "/%252F%252Fevil.example", "https://evil.example/",
    "javascript:alert(1)", "/%0d%0a/evil.example", " //evil.example", "/\x00/evil.example", "evil.example",
    "/%E2%80%A8/evil.example",
])
def test_login_page_never_links_off_the_site(web, neste):  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    with TestClient(web.app) as c:  # type: ignore[arg-type]
        r = c.get("/logg-inn?neste=" + quote(neste, safe="%/"))
        assert r.status_code == 200
        assert "evil.example" not in r.text and "javascript:" not in r.text


def test_login_page_keeps_a_same_site_next_path(web):  # type: ignore[no-untyped-def]
    with TestClient(web.app) as c:  # type: ignore[arg-type]
        r = c.get("/sjekkliste/nei?enhet=1&punkt=2", follow_redirects=False)
        assert r.status_code == 303
        page = c.get(r.headers["location"]).text
        assert 'href="/sjekkliste/nei?enhet=1&amp;punkt=2"' in page


def test_staff_sign_in_forms_refuse_a_foreign_origin(web):  # type: ignore[no-untyped-def]
    from urllib.parse import urlparse

    from sqlmodel import Session

    from models.services import web_auth
    from tests.web.conftest import TOKEN, token_of

    with Session(web.engine()) as s:
        link = web_auth.issue_link(session=s, person_id=web.org.people["ansatt"], public_base_url=web.base)
    evil = {"Origin": "https://evil.example"}
    with TestClient(web.app) as c:  # type: ignore[arg-type]
        token = TOKEN.search(c.get("/logg-inn").text).group(1)  # type: ignore[union-attr]
        assert c.post("/logg-inn", data={"token": token, "email": web.org.emails["ansatt"]}, headers=evil).status_code == 403
        page = c.get(urlparse(link).path + "?" + urlparse(link).query).text
        r = c.post("/logg-inn/lenke", data={"t": token_of(link), "token": TOKEN.search(page).group(1)},  # type: ignore[union-attr]
                   headers=evil, follow_redirects=False)
        assert r.status_code == 403 and "set-cookie" not in r.headers
