"""The staff pages over HTTP, as a browser without JavaScript uses them: sign-in, CSRF, permissions, validation."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.tables import Avvik, ChecklistAnswer, Oppdrag, OutboxMessage
from tests.web.conftest import CSRF, NONCE, TOKEN, settings_for, sign_in


@pytest.fixture
def client(web):  # type: ignore[no-untyped-def]
    with TestClient(web.app) as c:  # type: ignore[arg-type]
        yield c


def _client(web) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(web.app)


def _avvik_values(web, **over: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {"category": "hms", "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"]),
              "description": "Glatt gulv i gangen ved inngang B", "occurred_at": "2026-11-20",
              "occurred_at_time": "10:15", "location": "Inngang B", "probability": "3", "consequence": "4",
              "immediate_action": ""}
    values.update(over)
    return values


def _report(client: TestClient, web, **over: str) -> int:  # type: ignore[no-untyped-def]
    form = client.get("/avvik/ny")
    data = {"csrf": CSRF.search(form.text).group(1), "nonce": NONCE.search(form.text).group(1),  # type: ignore[union-attr]
            **_avvik_values(web, **over)}
    r = client.post("/avvik/ny", data=data)
    assert r.status_code == 200, r.text
    return int(re.search(r'id="case-number">AV-(\d+)<', r.text).group(1))  # type: ignore[union-attr]


def test_sign_in_page_answers_the_same_for_known_and_unknown_addresses(web, client):  # type: ignore[no-untyped-def]
    def ask(email: str):  # type: ignore[no-untyped-def]
        token = TOKEN.search(client.get("/logg-inn").text).group(1)  # type: ignore[union-attr]
        return client.post("/logg-inn", data={"token": token, "email": email})

    with Session(web.engine()) as s:
        before = len(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "web.login")).all())
    known, unknown = ask(web.org.emails["ansatt2"]), ask("ukjent.person@testkommune.no")
    assert known.status_code == unknown.status_code == 200
    assert "Hvis adressen er registrert, har vi sendt deg en lenke" in known.text
    assert known.text == unknown.text
    with Session(web.engine()) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "web.login")).all()
    assert len(rows) == before + 1 and rows[-1].recipient_person_id == web.org.people["ansatt2"]
    assert rows[-1].platform == "auto"
    # A form without the server's token is refused.
    assert client.post("/logg-inn", data={"email": web.org.emails["ansatt2"]}).status_code == 403


def test_link_confirmation_does_not_spend_it_and_the_cookie_is_strict(web, client):  # type: ignore[no-untyped-def]
    from models.services import web_auth
    from tests.web.conftest import token_of

    with Session(web.engine()) as s:
        link = web_auth.issue_link(session=s, person_id=web.org.people["ansatt"], public_base_url=web.base)
    path = link.replace(web.base, "")
    assert client.get(path).status_code == 200  # a link previewer fetching it…
    page = client.get(path)  # …leaves it usable
    assert page.status_code == 200 and 'method="post"' in page.text
    assert page.headers["referrer-policy"] == "same-origin"
    data = {"t": token_of(link), "token": TOKEN.search(page.text).group(1)}  # type: ignore[union-attr]
    r = client.post("/logg-inn/lenke", data=data, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie and "max-age=28800" in cookie
    assert client.get("/").status_code == 200
    again = _client(web).post("/logg-inn/lenke", data=data, follow_redirects=False)
    assert again.status_code == 410 and "brukt eller utløpt" in again.text
    assert _client(web).get(path).status_code == 410


def test_cookie_is_secure_behind_https(web):  # type: ignore[no-untyped-def]
    from bot.main import create_app
    from models.services import web_auth
    from tests.web.conftest import token_of

    app = create_app(settings_for(web.url, base="https://trad.example"))
    c = TestClient(app, base_url="https://trad.example")
    with Session(web.engine()) as s:
        link = web_auth.issue_link(session=s, person_id=web.org.people["ansatt"], public_base_url="https://trad.example")
    page = c.get(link)
    r = c.post("/logg-inn/lenke", data={"t": token_of(link), "token": TOKEN.search(page.text).group(1)},  # type: ignore[union-attr]
               follow_redirects=False)
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


@pytest.mark.parametrize("path", ["/", "/avvik/ny", "/leder", "/sjekkliste", "/avvik/1", "/oppdrag/12"])
def test_pages_need_sign_in(web, path):  # type: ignore[no-untyped-def]
    r = _client(web).get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/logg-inn")


def test_posts_need_the_session_csrf_token_and_same_origin(web, client):  # type: ignore[no-untyped-def]
    csrf = sign_in(client, web, "ansatt")
    other = _client(web)
    other_csrf = sign_in(other, web, "ansatt2")
    with Session(web.engine()) as s:
        before = len(s.exec(select(Avvik)).all())
    assert client.post("/avvik/ny", data=_avvik_values(web)).status_code == 403
    assert client.post("/avvik/ny", data={"csrf": other_csrf, **_avvik_values(web)}).status_code == 403
    assert client.post("/avvik/ny", data={"csrf": csrf, **_avvik_values(web)},
                       headers={"origin": "https://evil.example"}).status_code == 403
    with Session(web.engine()) as s:
        assert len(s.exec(select(Avvik)).all()) == before
    # Logging out needs the token too, and ends the session for good.
    assert client.post("/logg-ut", data={}, follow_redirects=False).status_code == 403
    assert client.post("/logg-ut", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_authenticated_pages_are_not_cached_and_run_no_script(web, client):  # type: ignore[no-untyped-def]
    sign_in(client, web, "leder")
    for path in ("/", "/avvik/ny", "/leder", "/sjekkliste", "/oppdrag/12"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "no-store"
        assert "script-src" not in r.headers["content-security-policy"]
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert "<script" not in r.text


def test_bad_avvik_input_is_shown_on_the_fields_with_the_values_kept(web, client):  # type: ignore[no-untyped-def]
    csrf = sign_in(client, web, "ansatt")
    form = client.get("/avvik/ny")
    assert 'type="date"' in form.text and 'type="time"' in form.text and "<select" in form.text
    bad = _avvik_values(web, category="", probability="9", occurred_at="2030-01-01",
                        description="Heisen <stoppet> & «sto fast»")
    r = client.post("/avvik/ny", data={"csrf": csrf, "nonce": "n1", **bad})
    assert r.status_code == 422
    assert re.search(r'id="category"[^>]*aria-invalid="true"', r.text)
    assert 'id="category-error"' in r.text and 'id="probability-error"' in r.text
    assert "Velg et tall fra 1 til 5." in r.text
    assert "Heisen &lt;stoppet&gt; &amp; «sto fast»</textarea>" in r.text  # kept, escaped
    assert 'href="#category"' in r.text  # the summary links to the field
    # Fix what was wrong; the time in the future is caught by the domain, on its field.
    r = client.post("/avvik/ny", data={"csrf": csrf, "nonce": "n1", **_avvik_values(web, occurred_at="2030-01-01")})
    assert r.status_code == 422 and 'id="occurred_at-error"' in r.text and "fram i tid" in r.text
    # Nonsense ids never cause a 500.
    r = client.post("/avvik/ny", data={"csrf": csrf, "nonce": "n2", **_avvik_values(web, unit_id="abc")})
    assert r.status_code == 422 and 'id="unit_id-error"' in r.text
    r = client.post("/avvik/ny", data={"csrf": csrf, "nonce": "n2", **_avvik_values(web, unit_id="999999")})
    assert r.status_code == 422 and 'id="unit_id-error"' in r.text


def test_double_submit_makes_one_avvik(web, client):  # type: ignore[no-untyped-def]
    csrf = sign_in(client, web, "ansatt")
    data = {"csrf": csrf, "nonce": "same-nonce", **_avvik_values(web)}
    first, second = client.post("/avvik/ny", data=data), client.post("/avvik/ny", data=data)
    assert first.status_code == second.status_code == 200
    n1 = re.search(r"AV-(\d+)", first.text).group(1)  # type: ignore[union-attr]
    assert n1 == re.search(r"AV-(\d+)", second.text).group(1)  # type: ignore[union-attr]


def test_employee_reports_other_units_get_404_leader_takes_adds_tiltak_closes_reopens(web, client):  # type: ignore[no-untyped-def]
    sign_in(client, web, "ansatt")
    number = _report(client, web, description="Brannalarmen <script>alert(1)</script> ble ikke testet")
    mine = client.get("/")
    assert f"AV-{number}" in mine.text and "&lt;script&gt;" in mine.text and "<script>" not in mine.text
    detail = client.get(f"/avvik/{number}")
    assert detail.status_code == 200 and "Ta saken" not in detail.text  # the reporter is not the leader
    assert client.get(f"/avvik/{number}/lukk").status_code == 403

    for key in ("ansatt2", "leder2", "hjemmeleder"):  # other units: as if it did not exist
        c = _client(web)
        sign_in(c, web, key)
        assert c.get(f"/avvik/{number}").status_code == 404, key
        csrf = CSRF.search(c.get("/").text).group(1)  # type: ignore[union-attr]
        assert c.post(f"/avvik/{number}/ta", data={"csrf": csrf}).status_code == 404, key
    assert client.get("/avvik/999999").status_code == 404
    assert client.get("/avvik/abc").status_code == 404

    lc = _client(web)
    csrf = sign_in(lc, web, "leder")
    leader = lc.get("/leder")
    assert f"AV-{number}" in leader.text
    page = lc.get(f"/avvik/{number}")
    for label in ("Ta saken", "Legg til tiltak", "Lukk"):
        assert f">{label}</button>" in page.text
    r = lc.post(f"/avvik/{number}/ta", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "Under behandling" in lc.get(f"/avvik/{number}").text

    form = lc.get(f"/avvik/{number}/tiltak")
    assert form.status_code == 200 and 'name="owner_id"' in form.text and 'type="date"' in form.text
    r = lc.post(f"/avvik/{number}/tiltak", data={"csrf": csrf, "description": "Test alarmen", "deadline": "2020-01-01",
                                                "owner_id": str(web.org.people["leder"])})
    assert r.status_code == 422 and 'id="deadline-error"' in r.text and "Test alarmen</textarea>" in r.text
    r = lc.post(f"/avvik/{number}/tiltak", data={"csrf": csrf, "description": "Test alarmen", "deadline": "2099-01-01",
                                                "owner_id": str(web.org.people["ansatt"])}, follow_redirects=False)
    assert r.status_code == 303
    assert "Test alarmen" in lc.get(f"/avvik/{number}").text

    # «Test alarmen» is still open: the close form warns and asks why (issue 12, point 3)
    assert "1 tiltak er ikke utført" in lc.get(f"/avvik/{number}/lukk").text
    r = lc.post(f"/avvik/{number}/lukk", data={"csrf": csrf, "conclusion": "", "effect_evaluation": ""})
    assert r.status_code == 422 and 'id="conclusion-error"' in r.text and 'id="effect_evaluation-error"' in r.text
    assert 'id="open_tiltak_reason-error"' in r.text
    r = lc.post(f"/avvik/{number}/lukk", data={"csrf": csrf, "conclusion": "Alarmen er testet",
                                              "effect_evaluation": "Virker", "open_tiltak_reason": "Følges opp i HMS-planen"},
                follow_redirects=False)
    assert r.status_code == 303
    closed = lc.get(f"/avvik/{number}")
    assert "Lukket" in closed.text and ">Gjenåpne</button>" in closed.text
    assert f"AV-{number}" not in lc.get("/leder").text
    # Closing twice is a clear 409, not a crash.
    again = lc.post(f"/avvik/{number}/lukk", data={"csrf": csrf, "conclusion": "x" * 5, "effect_evaluation": "y" * 5})
    assert again.status_code == 409 and "allerede lukket" in again.text
    r = lc.post(f"/avvik/{number}/gjenapne", data={"csrf": csrf, "reason": "Alarmen feilet igjen"},
                follow_redirects=False)
    assert r.status_code == 303 and "Under behandling" in lc.get(f"/avvik/{number}").text
    # The reporter sees the history on Mine saker.
    home = client.get("/").text
    assert "Gjenåpnet" in home and "Lukket" in home and "Test alarmen" in home
    assert "Lukket med åpne tiltak: Følges opp i HMS-planen" in home  # the stored reason, in the history


def test_leader_view_is_for_leaders_and_sorts(web, client):  # type: ignore[no-untyped-def]
    sign_in(client, web, "ansatt")
    assert client.get("/leder").status_code == 403
    low = _report(client, web, probability="1", consequence="1", description="Lav risiko her")
    high = _report(client, web, probability="5", consequence="5", description="Høy risiko her")
    lc = _client(web)
    sign_in(lc, web, "leder")
    by_risk = lc.get("/leder?sorter=risiko").text
    assert by_risk.index(f"AV-{high} ") < by_risk.index(f"AV-{low} ")
    assert 'aria-sort="descending"' in by_risk
    assert lc.get("/leder?sorter=tull").status_code == 200
    assert "Felles sjekkliste for leiarar" in lc.get("/leder").text


def test_checklist_nei_asks_for_a_comment_and_creates_an_avvik(web, client):  # type: ignore[no-untyped-def]
    csrf = sign_in(client, web, "leder2")
    unit, item = web.org.units["Oppvekst/Solvang skole"], web.org.items[1]
    page = client.get("/sjekkliste")
    assert "Er vernerunde gjennomført?" in page.text
    nei = client.get(f"/sjekkliste/nei?enhet={unit}&punkt={item}")
    assert nei.status_code == 200 and 'name="comment"' in nei.text
    r = client.post(f"/sjekkliste/nei?enhet={unit}&punkt={item}", data={"csrf": csrf, "comment": ""})
    assert r.status_code == 422 and 'id="comment-error"' in r.text
    r = client.post(f"/sjekkliste/nei?enhet={unit}&punkt={item}", data={"csrf": csrf, "comment": "Ikke gjort i høst"},
                    follow_redirects=False)
    assert r.status_code == 303
    with Session(web.engine()) as s:
        ans = s.exec(select(ChecklistAnswer).where(ChecklistAnswer.item_id == item,
                                                   ChecklistAnswer.answered_by_id == web.org.people["leder2"])).one()
        assert ans.answer == "nei" and ans.avvik_id is not None
    r = client.post("/sjekkliste", data={"csrf": csrf, "unit_id": str(unit), "item_id": str(web.org.items[0]),
                                         "answer": "ja"}, follow_redirects=False)
    assert r.status_code == 303
    assert "Besvart: <strong>Ja</strong>" in client.get("/sjekkliste").text
    # Another unit's item: refused, not a crash; a bogus answer is a 400.
    other = web.org.units["Oppvekst/Aurvoll skole"]
    assert client.post("/sjekkliste", data={"csrf": csrf, "unit_id": str(other), "item_id": str(item),
                                            "answer": "ja"}).status_code == 403
    assert client.post("/sjekkliste", data={"csrf": csrf, "unit_id": "x", "item_id": "1",
                                            "answer": "kanskje"}).status_code == 400
    assert client.get(f"/sjekkliste/nei?enhet={other}&punkt={item}").status_code == 404


def test_oppdrag_update_with_validation(web, client):  # type: ignore[no-untyped-def]
    csrf = sign_in(client, web, "leder")
    page = client.get("/oppdrag/12")
    assert page.status_code == 200 and 'name="progress"' in page.text and "Trafikklys" in page.text
    r = client.post("/oppdrag/12", data={"csrf": csrf, "status": "pagar", "progress": "mye", "comment": "Godt i gang"})
    assert r.status_code == 422 and 'id="progress-error"' in r.text and "Godt i gang</textarea>" in r.text
    r = client.post("/oppdrag/12", data={"csrf": csrf, "status": "pagar", "progress": "40", "comment": "Godt i gang"},
                    follow_redirects=False)
    assert r.status_code == 303
    with Session(web.engine()) as s:
        o = s.exec(select(Oppdrag).where(Oppdrag.number == 12)).one()
        assert (o.status, o.progress) == ("pagar", 40)
    assert "Godt i gang" in client.get("/oppdrag/12").text
    # Someone else's oppdrag: visible, but no form, and a forged update is refused.
    other = _client(web)
    other_csrf = sign_in(other, web, "ansatt")
    assert 'name="progress"' not in other.get("/oppdrag/12").text
    assert other.post("/oppdrag/12", data={"csrf": other_csrf, "progress": "90"}).status_code == 403
    assert other.get("/oppdrag/99999").status_code == 404


def test_leader_view_lists_overdue_tiltak_and_oppdrag_needing_update(web, client):  # type: ignore[no-untyped-def]
    from datetime import date

    from models.tables import Tiltak

    sign_in(client, web, "ansatt")
    number = _report(client, web, description="Nødutgang blokkert av stoler")
    with Session(web.engine()) as s:
        a = s.exec(select(Avvik).where(Avvik.number == number)).one()
        s.add(Tiltak(org_id=a.org_id, avvik_id=a.id, description="Flytt <stolene>", owner_id=web.org.people["ansatt"],
                     deadline=date(2020, 1, 31)))
        s.commit()
    lc = _client(web)
    sign_in(lc, web, "leder")
    page = lc.get("/leder").text
    overdue = page.split('id="overdue-title"', 1)[1].split('id="check-title"', 1)[0]
    assert "Flytt &lt;stolene&gt;" in overdue and f"AV-{number}" in overdue and "31.01.2020" in overdue
    # Another unit's leader does not see this tiltak, but sees the oppdrag delegated to their unit, never updated.
    other = _client(web)
    sign_in(other, web, "leder2")
    page2 = other.get("/leder").text
    assert "Flytt &lt;stolene&gt;" not in page2
    assert "13: Vernerunde i alle enheter" in page2.split('id="opp-title"', 1)[1]


def test_browsers_get_a_favicon(web, client):  # type: ignore[no-untyped-def]
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.content.startswith(b"<svg")
