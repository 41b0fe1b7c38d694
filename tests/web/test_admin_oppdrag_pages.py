"""`/admin/oppdrag` over HTTP: letters and oppdrag made, split and closed through the forms; refusals change nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.tables import AuditEntry, Oppdrag, Oppdragsbrev, OutboxMessage
from tests.web.conftest import sign_in

CAT = "Politiske tilleggsbestillingar"


def _as(web, key: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    return c, sign_in(c, web, key)


def _letter(client: TestClient, csrf: str, **over: str) -> int:
    data = {"csrf": csrf, "year": "2027", "title": "Kommunestyrets oppdragsbrev 2027", "issuer": "kommunestyre",
            "sector_id": "", "case_ref": "PS 12/26", **over}
    r = client.post("/admin/oppdrag/brev/ny", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(re.search(r"/brev/(\d+)\?ok=brev", r.headers["location"]).group(1))  # type: ignore[union-attr]


def test_admin_makes_letter_oppdrag_split_and_cancel(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    assert "Oppdragsbrev" in admin.get("/").text  # the menu link
    lid = _letter(admin, csrf)
    units = web.org.units
    r = admin.post(f"/admin/oppdrag/brev/{lid}/ny", follow_redirects=False, data={
        "csrf": csrf, "title": "Felles skolebibliotek", "description": "", "category": CAT,
        "owner_id": str(web.org.people["kommunalsjef"]), "deadline": "2027-06-30", f"unit_{units['Oppvekst']}": "1"})
    assert r.status_code == 303, r.text
    page = admin.get(r.headers["location"])
    assert "Oppdraget er lagret" in page.text and "Felles skolebibliotek" in page.text
    with Session(web.engine()) as s:
        o = s.exec(select(Oppdrag).where(Oppdrag.title == "Felles skolebibliotek")).one()
        assert o.oppdragsbrev_id == lid
        assert len(s.exec(select(OutboxMessage).where(
            OutboxMessage.recipient_person_id == web.org.people["kommunalsjef"])).all()) == 1
    sjef, sjef_csrf = _as(web, "kommunalsjef")
    assert f'href="/admin/oppdrag/{o.number}/del"' in sjef.get(f"/oppdrag/{o.number}").text  # the owner's link
    form = sjef.get(f"/admin/oppdrag/{o.number}/del")
    assert form.status_code == 200 and "Hjemmebaserte" not in form.text  # only units below the owner
    r = sjef.post(f"/admin/oppdrag/{o.number}/del", follow_redirects=False, data={
        "csrf": sjef_csrf, "title": "Bibliotek på Solvang", "owner_id": str(web.org.people["leder2"]),
        f"unit_{units['Oppvekst/Solvang skole']}": "1"})
    assert r.status_code == 303, r.text
    bad = admin.post(f"/admin/oppdrag/{o.number}/lukk", data={"csrf": csrf, "outcome": "avbrutt", "reason": ""})
    assert bad.status_code == 422 and "begrunnelse" in bad.text
    r = admin.post(f"/admin/oppdrag/{o.number}/lukk", follow_redirects=False,
                   data={"csrf": csrf, "outcome": "avbrutt", "reason": "Opphevet i PS 40/27"})
    assert r.status_code == 303
    with Session(web.engine()) as s:
        assert s.exec(select(Oppdrag.status).where(Oppdrag.id == o.id)).one() == "avbrutt"
        child = s.exec(select(Oppdrag).where(Oppdrag.parent_id == o.id)).one()
        assert child.owner_id == web.org.people["leder2"]
        actions = {e.action for e in s.exec(select(AuditEntry).where(AuditEntry.entity_id == o.id)).all()}
        assert {"oppdrag.created", "oppdrag.closed"} <= actions


def test_bad_fields_named_and_nothing_stored(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    lid = _letter(admin, csrf, title="Brev for feil")
    r = admin.post(f"/admin/oppdrag/brev/{lid}/ny", data={
        "csrf": csrf, "title": "", "category": "Tull", "owner_id": "x", "deadline": "31.02.2027"})
    assert r.status_code == 422
    assert "Skriv en gyldig dato" in r.text
    r = admin.post(f"/admin/oppdrag/brev/{lid}/ny", data={
        "csrf": csrf, "title": "", "category": "Tull", "owner_id": "x", "deadline": ""})
    assert r.status_code == 422 and "Velg en kategori" in r.text and 'aria-invalid="true"' in r.text
    with Session(web.engine()) as s:
        assert s.exec(select(Oppdrag).where(Oppdrag.oppdragsbrev_id == lid)).all() == []


def test_refusals(web):  # type: ignore[no-untyped-def]
    leder, csrf = _as(web, "leder")
    assert leder.get("/admin/oppdrag").status_code == 403
    assert "Oppdragsbrev</a>" not in leder.get("/").text
    r = leder.post("/admin/oppdrag/brev/ny", data={"csrf": csrf, "year": "2027", "title": "Mitt brev",
                                                   "issuer": "kommunestyre", "sector_id": "", "case_ref": ""})
    assert r.status_code == 403
    sjef, sjef_csrf = _as(web, "kommunalsjef")
    r = sjef.post("/admin/oppdrag/brev/ny", data={"csrf": sjef_csrf, "year": "2027", "title": "Helse sitt brev",
                                                  "issuer": "sektor", "case_ref": "",
                                                  "sector_id": str(web.org.units["Helse og omsorg"])})
    assert r.status_code == 403
    admin, admin_csrf = _as(web, "admin")
    r = admin.post("/admin/oppdrag/brev/ny", data={"csrf": "wrong", "year": "2027", "title": "Uten token",
                                                   "issuer": "kommunestyre", "sector_id": "", "case_ref": ""})
    assert r.status_code == 403
    with Session(web.engine()) as s:
        titles = set(s.exec(select(Oppdragsbrev.title)).all())
    assert not titles & {"Mitt brev", "Helse sitt brev", "Uten token"}
    assert leder.get("/admin/oppdrag/12/lukk").status_code == 403
    assert leder.post("/admin/oppdrag/12/lukk", data={"csrf": csrf, "outcome": "avbrutt",
                                                      "reason": "x"}).status_code == 403
    with Session(web.engine()) as s:
        assert s.exec(select(Oppdrag.status).where(Oppdrag.number == 12)).one() != "avbrutt"
