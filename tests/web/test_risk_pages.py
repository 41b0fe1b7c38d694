"""The ROS register pages over HTTP: who sees which risks, the forms' messages per field, the matrix."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models.tables import Risk, RiskTiltak
from tests.web.conftest import CSRF, sign_in

NEXT_YEAR = (date.today() + timedelta(days=200)).isoformat()


def _as(web, key: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    return c, sign_in(c, web, key)


def _risk_values(web, **over: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {"title": "Vikar alene med klassen", "description": "Vikarer uten opplæring blir alene med elever",
              "cause": "Korte vikariater", "consequence_text": "Skade på elev", "process": "Vikarbruk",
              "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"]), "probability_before": "4",
              "consequence_before": "4", "probability_after": "2", "consequence_after": "3", "treatment": "reduce",
              "owner_id": str(web.org.people["leder"]), "review_date": NEXT_YEAR}
    values.update(over)
    return values


def _count(web) -> int:  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        return int(s.exec(select(func.count()).select_from(Risk)).one())


def _add(client: TestClient, csrf: str, web, **over: str) -> int:  # type: ignore[no-untyped-def]
    r = client.post("/risiko/ny", data={"csrf": csrf, **_risk_values(web, **over)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(re.search(r"/risiko/(\d+)\?ok=risiko", r.headers["location"]).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def aurvoll_risk(web) -> int:  # type: ignore[no-untyped-def]
    client, csrf = _as(web, "leder")
    return _add(client, csrf, web)


def test_leader_registers_a_risk_and_sees_it_with_its_scores(web, aurvoll_risk):  # type: ignore[no-untyped-def]
    client, _ = _as(web, "leder")
    page = client.get(f"/risiko/{aurvoll_risk}?ok=risiko")
    assert page.status_code == 200
    assert "Risikoen er lagret." in page.text
    assert '<span class="badge band-hoy">16 Høy</span> = sannsynlighet 4 × konsekvens 4' in page.text
    assert '<span class="badge band-middels">6 Middels</span> = sannsynlighet 2 × konsekvens 3' in page.text
    assert 'id="treatment">Redusere<' in page.text and "Gjennomgå" in page.text
    listing = client.get("/risiko")
    assert "Vikar alene med klassen" in listing.text and "Ny risiko" in listing.text


@pytest.mark.parametrize("key", ["kommunalsjef", "direktor", "admin"])
def test_the_line_above_sees_the_risk(web, aurvoll_risk, key):  # type: ignore[no-untyped-def]
    client, _ = _as(web, key)
    assert "Vikar alene med klassen" in client.get("/risiko").text
    assert client.get(f"/risiko/{aurvoll_risk}").status_code == 200


@pytest.mark.parametrize("key", ["leder2", "hjemmeleder", "ansatt"])
def test_others_see_nothing_of_it(web, aurvoll_risk, key):  # type: ignore[no-untyped-def]
    client, _ = _as(web, key)
    assert "Vikar alene med klassen" not in client.get("/risiko").text
    page = client.get(f"/risiko/{aurvoll_risk}")
    assert page.status_code == 404 and "Fant ikke risikoen." in page.text
    assert client.get(f"/risiko/{aurvoll_risk}/gjennomga").status_code == 404
    # the filter by another unit shows nothing of it either
    assert "Vikar alene" not in client.get(f"/risiko?enhet={web.org.units['Oppvekst/Aurvoll skole']}").text


def test_bad_input_gives_a_message_on_each_field_and_stores_nothing(web):  # type: ignore[no-untyped-def]
    client, csrf = _as(web, "leder")
    before = _count(web)
    r = client.post("/risiko/ny", data={"csrf": csrf, **_risk_values(
        web, title="", probability_before="7", consequence_before="", treatment="", review_date="31.02.2026")})
    assert r.status_code == 422
    errors = dict(re.findall(r'<p class="error" id="([a-z_]+)-error"><span class="visually-hidden">Feil: </span>([^<]+)</p>',
                             r.text))
    assert errors == {"title": "Gi risikoen en kort overskrift.", "probability_before": "Velg et tall fra 1 til 5.",
                      "consequence_before": "Velg et tall fra 1 til 5.",
                      "treatment": "Velg behandling: unngå, redusere, dele eller akseptere.",
                      "review_date": "Skriv en gyldig dato (dd.mm.åååå)."}
    assert 'value="Korte vikariater"' not in r.text and ">Korte vikariater</textarea>" in r.text  # what was typed stays
    r = client.post("/risiko/ny", data={"csrf": csrf, **_risk_values(web, probability_after="5", consequence_after="5",
                                                                     review_date="2020-01-01")})
    assert r.status_code == 422
    assert "Risikoen etter tiltak kan ikke være høyere enn før tiltak." in r.text
    assert "Datoen for neste gjennomgang kan ikke være passert." in r.text
    assert _count(web) == before


def test_refusals_change_nothing(web, aurvoll_risk):  # type: ignore[no-untyped-def]
    before = _count(web)
    employee, csrf = _as(web, "ansatt")
    r = employee.post("/risiko/ny", data={"csrf": csrf, **_risk_values(web)})
    assert r.status_code == 403 and "Bare ledere" in r.text
    other, csrf2 = _as(web, "leder2")
    r = other.post("/risiko/ny", data={"csrf": csrf2, **_risk_values(web)})  # a unit Sven does not lead
    assert r.status_code == 403
    r = other.post(f"/risiko/{aurvoll_risk}/endre", data={"csrf": csrf2, **_risk_values(web, title="Kapret")})
    assert r.status_code == 404
    leader, _ = _as(web, "leder")
    r = leader.post("/risiko/ny", data={"csrf": "feil", **_risk_values(web)})  # no CSRF token of this session
    assert r.status_code == 403 and "Ingenting er lagret." in r.text
    assert _count(web) == before
    assert "Kapret" not in leader.get(f"/risiko/{aurvoll_risk}").text


def test_review_tiltak_and_link(web):  # type: ignore[no-untyped-def]
    client, csrf = _as(web, "leder")
    rid = _add(client, csrf, web, title="Brann i skolekjøkkenet", probability_before="3", consequence_before="5")
    r = client.post(f"/risiko/{rid}/gjennomga", data={"csrf": csrf, "probability_before": "2", "consequence_before": "5",
                                                      "probability_after": "1", "consequence_after": "5",
                                                      "treatment": "share", "review_date": ""})
    assert r.status_code == 422 and "Skriv en gyldig dato" in r.text
    later = (date.today() + timedelta(days=90))
    r = client.post(f"/risiko/{rid}/gjennomga", data={"csrf": csrf, "probability_before": "2", "consequence_before": "5",
                                                      "probability_after": "1", "consequence_after": "5",
                                                      "treatment": "share", "review_date": later.isoformat()})
    assert r.status_code == 200 and "Gjennomgangen er lagret." in r.text
    assert '<span class="badge band-hoy">10 Høy</span> = sannsynlighet 2 × konsekvens 5' in r.text and 'id="treatment">Dele<' in r.text
    assert f'id="review-date">{later:%d.%m.%Y}<' in r.text
    r = client.post(f"/risiko/{rid}/tiltak", data={"csrf": csrf, "description": "Komfyrvakt",
                                                   "deadline": "2020-01-01", "owner_id": str(web.org.people["ansatt"])})
    assert r.status_code == 422 and "Fristen kan ikke være passert." in r.text
    r = client.post(f"/risiko/{rid}/tiltak", data={"csrf": csrf, "description": "Komfyrvakt", "deadline": NEXT_YEAR,
                                                   "owner_id": str(web.org.people["ansatt"])})
    assert "Tiltaket er lagret." in r.text and "Komfyrvakt – ansvarlig Kari Ansatt" in r.text
    with Session(web.engine()) as s:
        tid = s.exec(select(RiskTiltak.id).where(RiskTiltak.risk_id == rid)).one()
    # the tiltak owner (an employee) sees the risk and marks it done
    owner, csrf_owner = _as(web, "ansatt")
    assert "Brann i skolekjøkkenet" in owner.get("/risiko").text
    r = owner.post(f"/risiko/tiltak/{tid}/utfort", data={"csrf": csrf_owner, "risiko": str(rid)})
    assert r.status_code == 200 and "Komfyrvakt – ansvarlig Kari Ansatt" in r.text and "(utført)" in r.text
    r = client.post(f"/risiko/{rid}/avvik", data={"csrf": csrf, "avvik": "AV-99999"})
    assert r.status_code == 404 and "Fant ikke avviket." in r.text
    r = client.post(f"/risiko/{rid}/lukk", data={"csrf": csrf, "reason": "x"})
    assert r.status_code == 422 and "Skriv hvorfor risikoen lukkes." in r.text
    r = client.post(f"/risiko/{rid}/lukk", data={"csrf": csrf, "reason": "Kjøkkenet er lagt ned"})
    assert "Risikoen er lukket." in r.text and 'id="status">Lukket<' in r.text


def test_matrix_counts_and_bands_in_words(web, aurvoll_risk):  # type: ignore[no-untyped-def]
    client, _ = _as(web, "kommunalsjef")
    page = client.get(f"/risiko/matrise?enhet={web.org.units['Oppvekst']}")
    assert page.status_code == 200
    cells = re.findall(r'<td class="band-([a-z]+)( empty)?"><span class="count">(\d+)</span> <span class="band">(\w+)</span>',
                       page.text)
    assert len(cells) == 25
    s4k4 = cells[(5 - 4) * 5 + 3]  # rows from sannsynlighet 5 down; konsekvens 4
    assert s4k4[2] != "0" and s4k4[3] == "høy"
    assert all(word in {"lav", "middels", "høy", "kritisk"} for *_, word in cells)
    assert 'alt="Risikomatrise før tiltak med' in page.text and "sannsynlighet 4 og konsekvens 4" in page.text
    png = client.get(f"/risiko/matrise.png?enhet={web.org.units['Oppvekst']}&etter=1")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    employee, _ = _as(web, "ansatt")
    assert employee.get("/risiko/matrise").status_code == 403
    other, _ = _as(web, "leder2")
    assert other.get(f"/risiko/matrise?enhet={web.org.units['Oppvekst/Aurvoll skole']}").status_code == 403
    assert other.get(f"/risiko/matrise.png?enhet={web.org.units['Oppvekst/Aurvoll skole']}").status_code == 403
    assert CSRF.search(other.get("/risiko/matrise").text)  # his own units: allowed, a page with the menu


def test_an_avvik_is_linked_and_shown_on_the_risk(web, aurvoll_risk):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from models.services import avvik

    with Session(web.engine(), expire_on_commit=False) as s:
        a = avvik.report_avvik(session=s, reporter_id=web.org.people["ansatt"], data=avvik.AvvikInput(
            category="hms", description="Vikar var alene med 12 elever", occurred_at=datetime.now(UTC),
            probability=3, consequence=3, unit_id=web.org.units["Oppvekst/Aurvoll skole"]))
    other, csrf2 = _as(web, "leder2")
    r = other.post(f"/risiko/{aurvoll_risk}/avvik", data={"csrf": csrf2, "avvik": f"AV-{a.number}"})
    assert r.status_code == 404
    client, csrf = _as(web, "leder")
    assert f'href="/avvik/{a.number}"' not in client.get(f"/risiko/{aurvoll_risk}").text
    r = client.post(f"/risiko/{aurvoll_risk}/avvik", data={"csrf": csrf, "avvik": f"av-{a.number}"})
    assert r.status_code == 200 and "Avviket er koblet til risikoen." in r.text
    assert f'<a href="/avvik/{a.number}">AV-{a.number}</a>' in r.text


@pytest.mark.parametrize("path", ["/risiko", "/risiko/matrise", "/tilsyn", "/arshjul", "/kalender", "/risiko/ny"])
def test_signed_out_pages_send_to_sign_in(web, path):  # type: ignore[no-untyped-def]
    r = TestClient(web.app).get(path, follow_redirects=False)  # type: ignore[arg-type]
    assert r.status_code == 303 and r.headers["location"] == f"/logg-inn?neste={path}"
    assert r.headers["cache-control"] == "no-store"
