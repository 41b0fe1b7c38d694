"""The tilsyn pages over HTTP: registering with findings, the deadline rule, updating a finding, who may."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models.tables import Tilsyn, TilsynFinding
from tests.web.conftest import sign_in

ERROR = re.compile(r'<p class="error" id="([a-z_.0-9]+)-error"><span class="visually-hidden">Feil: </span>([^<]+)</p>')


def _as(web, key: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    return c, sign_in(c, web, key)


def _counts(web) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        return (int(s.exec(select(func.count()).select_from(Tilsyn)).one()),
                int(s.exec(select(func.count()).select_from(TilsynFinding)).one()))


def _tilsyn(web, **over: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {"authority": "arbeidstilsynet", "held_on": "2026-10-01", "theme": "Psykososialt arbeidsmiljø",
              "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"]),
              "findings.0.kind": "palegg", "findings.0.description": "Risikovurdering mangler",
              "findings.0.deadline": "2026-12-31", "findings.0.tiltak": "Lage risikovurdering"}
    values.update(over)
    return values


def test_register_list_and_update_a_finding(web):  # type: ignore[no-untyped-def]
    client, csrf = _as(web, "leder")
    r = client.post("/tilsyn/ny", data={"csrf": csrf, **_tilsyn(web, **{
        "findings.2.kind": "merknad", "findings.2.description": "Skilting", "findings.2.deadline": "2026-11-30"})})
    assert r.status_code == 200 and "Tilsynet er registrert." in r.text
    assert "Arbeidstilsynet: Psykososialt arbeidsmiljø" in r.text
    assert "<strong>Pålegg</strong>: Risikovurdering mangler" in r.text and "<strong>Merknad</strong>: Skilting" in r.text
    fid = int(re.search(r'href="/tilsyn/funn/(\d+)">Oppdater<span class="visually-hidden"> funnet: Risikovurdering',
                        r.text).group(1))  # type: ignore[union-attr]
    r = client.post(f"/tilsyn/funn/{fid}", data={"csrf": csrf, "status": "under_arbeid", "tiltak": "Utkast klart",
                                                 "deadline": "2026-09-01"})
    assert r.status_code == 422
    assert dict(ERROR.findall(r.text)) == {"deadline": "Fristen kan ikke være før tilsynsdatoen (01.10.2026)."}
    r = client.post(f"/tilsyn/funn/{fid}", data={"csrf": csrf, "status": "under_arbeid", "tiltak": "Utkast klart",
                                                 "deadline": "2027-01-31"})
    assert "Funnet er lagret." in r.text and "Status: Under arbeid" in r.text and "Tiltak: Utkast klart" in r.text
    # the line above sees it; another unit's leader and an employee do not
    boss, _ = _as(web, "kommunalsjef")
    assert "Psykososialt arbeidsmiljø" in boss.get("/tilsyn").text
    other, csrf2 = _as(web, "leder2")
    assert "Psykososialt arbeidsmiljø" not in other.get("/tilsyn").text
    before = _counts(web)
    r = other.post(f"/tilsyn/funn/{fid}", data={"csrf": csrf2, "status": "lukket", "tiltak": "", "deadline": "2027-01-31"})
    assert r.status_code == 404 and "Fant ikke funnet." in r.text
    assert "Status: Under arbeid" in client.get("/tilsyn").text
    employee, _ = _as(web, "ansatt")
    assert employee.get("/tilsyn").status_code == 403
    assert _counts(web) == before


def test_deadline_before_the_tilsyn_and_other_bad_fields_store_nothing(web):  # type: ignore[no-untyped-def]
    client, csrf = _as(web, "leder")
    before = _counts(web)
    r = client.post("/tilsyn/ny", data={"csrf": csrf, **_tilsyn(web, theme="x", **{
        "findings.0.deadline": "2026-09-30", "findings.1.kind": "avvik", "findings.1.description": "Verneombud mangler",
        "findings.1.deadline": "snart"})})
    assert r.status_code == 422
    assert dict(ERROR.findall(r.text)) == {
        "theme": "Skriv temaet for tilsynet (3–300 tegn).",
        "findings.0.deadline": "Fristen kan ikke være før tilsynsdatoen (01.10.2026).",
        "findings.1.deadline": "Skriv en gyldig dato (dd.mm.åååå)."}
    assert ">Verneombud mangler</textarea>" in r.text
    r = client.post("/tilsyn/ny", data={"csrf": csrf, **_tilsyn(web, unit_id=str(web.org.units["Oppvekst/Solvang skole"]))})
    assert r.status_code == 403
    employee, csrf_e = _as(web, "ansatt")
    assert employee.post("/tilsyn/ny", data={"csrf": csrf_e, **_tilsyn(web)}).status_code == 403
    assert _counts(web) == before


def test_a_finding_added_later_and_updated_by_its_owner(web):  # type: ignore[no-untyped-def]
    client, csrf = _as(web, "leder")
    client.post("/tilsyn/ny", data={"csrf": csrf, **_tilsyn(web, theme="Mattrygghet i kantina", **{
        "findings.0.kind": "", "findings.0.description": "", "findings.0.deadline": "", "findings.0.tiltak": ""})})
    with Session(web.engine()) as s:
        tid = s.exec(select(Tilsyn.id).where(Tilsyn.theme == "Mattrygghet i kantina")).one()
    r = client.post(f"/tilsyn/{tid}/funn", data={"csrf": csrf, "kind": "avvik", "description": "Temperaturlogg mangler",
                                                 "deadline": "2026-09-01"})
    assert r.status_code == 422 and "Fristen kan ikke være før tilsynsdatoen (01.10.2026)." in r.text
    r = client.post(f"/tilsyn/{tid}/funn", data={"csrf": csrf, "kind": "avvik", "description": "Temperaturlogg mangler",
                                                 "deadline": "2026-10-15"})
    assert "Funnet er lagret." in r.text and "Temperaturlogg mangler" in r.text
    with Session(web.engine()) as s:
        f = s.exec(select(TilsynFinding).where(TilsynFinding.tilsyn_id == tid)).one()
        f.owner_id = web.org.people["ansatt"]
        s.add(f)
        s.commit()
        fid = f.id
    owner, csrf_o = _as(web, "ansatt")
    page = owner.get(f"/tilsyn/funn/{fid}")
    assert page.status_code == 200 and 'name="deadline"' not in page.text  # an owner changes status and tiltak only
    r = owner.post(f"/tilsyn/funn/{fid}", data={"csrf": csrf_o, "status": "lukket", "tiltak": "Logg på plass"})
    assert r.status_code == 200 and "Funnet er lagret." in r.text
    assert "Status: Lukket" in client.get("/tilsyn").text
