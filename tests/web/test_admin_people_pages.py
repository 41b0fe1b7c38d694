"""`/admin/personer` and `/admin/enheter` over HTTP: add a person or a leader, move, deactivate and reactivate,
give and take roles, add, rename and move units — each in the audit log with before and after — and the
refusals (no role, someone else's unit, a role a leader may not give, no CSRF token) that change nothing.
Validation messages come on their fields in the person's own language."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.tables import AuditEntry, Person, PersonRole, Unit
from tests.web.conftest import sign_in


def _as(web, key: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    return c, sign_in(c, web, key)


def _state(web) -> tuple:  # type: ignore[no-untyped-def]
    """Everything a refused request must leave as it was."""
    with Session(web.engine()) as s:
        people = sorted((p.id, p.email, p.name, p.unit_id, p.active) for p in s.exec(select(Person)))
        roles = sorted((r.person_id, r.role, r.unit_id or 0) for r in s.exec(select(PersonRole)))
        units = sorted((u.id, u.path, u.id_path) for u in s.exec(select(Unit)))
        audits = len([e for e in s.exec(select(AuditEntry)) if e.action.split(".")[0] in ("person", "unit")])
    return people, roles, units, audits


def _audit(web, entity: str, entity_id: int) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
                      .order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    return [e for e in rows if e.action.startswith(f"{entity}.")]


def _id(location: str, what: str = "personer") -> int:
    return int(re.search(rf"/{what}/(\d+)", location).group(1))  # type: ignore[union-attr]


def test_admin_adds_a_leader_moves_deactivates_and_reactivates(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    assert "/admin/personer" in admin.get("/admin").text
    aurvoll, solvang = web.org.units["Oppvekst/Aurvoll skole"], web.org.units["Oppvekst/Solvang skole"]
    r = admin.post("/admin/personer/ny", follow_redirects=False, data={
        "csrf": csrf, "name": " Nora   <b>Ny</b> ", "email": "Nora.Ny@Testkommune.no", "unit_id": str(aurvoll),
        "role": "leder"})
    assert r.status_code == 303, r.text
    pid = _id(r.headers["location"])
    page = admin.get(r.headers["location"])
    assert "Personen er lagt til" in page.text and "Nora &lt;b&gt;Ny&lt;/b&gt;" in page.text  # escaped
    assert "Leder for Oppvekst/Aurvoll skole" in page.text
    with Session(web.engine()) as s:
        p = s.get(Person, pid)
        assert p is not None and (p.email, p.name, p.unit_id) == ("nora.ny@testkommune.no", "Nora <b>Ny</b>", aurvoll)
    r = admin.post(f"/admin/personer/{pid}", follow_redirects=False, data={
        "csrf": csrf, "name": "Nora Ny", "email": "nora.ny@testkommune.no", "unit_id": str(solvang)})
    assert r.status_code == 303 and r.headers["location"].endswith("ok=endret")
    assert admin.post(f"/admin/personer/{pid}/aktiv", data={"csrf": csrf, "active": "0"}).status_code == 200
    with Session(web.engine()) as s:
        assert s.get(Person, pid).active is False  # type: ignore[union-attr]
    assert "Nora Ny" not in admin.get("/admin/personer?q=nora").text
    assert "Nora Ny" in admin.get("/admin/personer?q=nora&status=deaktiverte").text
    admin.post(f"/admin/personer/{pid}/aktiv", data={"csrf": csrf, "active": "1"})
    entries = _audit(web, "person", pid)
    assert [e.action for e in entries] == ["person.created", "person.moved", "person.deactivated",
                                           "person.reactivated"]
    moved = entries[1]
    assert moved.actor_id == web.org.people["admin"] and moved.at is not None
    assert moved.detail["before"]["unit"] == "Oppvekst/Aurvoll skole"  # type: ignore[index]
    assert moved.detail["after"]["unit"] == "Oppvekst/Solvang skole"  # type: ignore[index]
    assert moved.detail["before"]["name"] == "Nora <b>Ny</b>" and moved.detail["after"]["name"] == "Nora Ny"  # type: ignore[index]
    assert entries[2].detail["after"]["active"] is False and entries[3].detail["after"]["active"] is True  # type: ignore[index]


def test_admin_gives_and_takes_roles(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    pid = web.org.people["helseansatt"]
    r = admin.post(f"/admin/personer/{pid}/roller", follow_redirects=False,
                   data={"csrf": csrf, "action": "gi", "role": "varslingsmottaker", "unit_id": ""})
    assert r.status_code == 303
    sector = web.org.units["Helse og omsorg"]
    admin.post(f"/admin/personer/{pid}/roller", data={"csrf": csrf, "action": "gi", "role": "kommunalsjef",
                                                     "unit_id": str(sector)})
    page = admin.get(f"/admin/personer/{pid}").text
    assert "Varslingsmottaker" in page and "Kommunalsjef for Helse og omsorg" in page
    r = admin.post(f"/admin/personer/{pid}/roller", data={"csrf": csrf, "action": "gi", "role": "kommunalsjef",
                                                         "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"])})
    assert r.status_code == 422 and 'id="unit_id_role-error"' in r.text and "sektor" in r.text
    admin.post(f"/admin/personer/{pid}/roller", data={"csrf": csrf, "action": "ta", "role": "varslingsmottaker"})
    with Session(web.engine()) as s:
        held = {(r.role, r.unit_id) for r in s.exec(select(PersonRole).where(PersonRole.person_id == pid))}
    assert held == {("kommunalsjef", sector)}
    actions = [e.action for e in _audit(web, "person", pid)]
    assert actions == ["person.role_given", "person.role_given", "person.role_taken"]
    taken = _audit(web, "person", pid)[-1].detail
    assert "varslingsmottaker" in taken["before"]["roles"] and "varslingsmottaker" not in taken["after"]["roles"]  # type: ignore[index]
    r = admin.post(f"/admin/personer/{web.org.people['admin']}/roller", data={"csrf": csrf, "action": "ta",
                                                                             "role": "admin"})
    assert r.status_code == 422  # an admin does not lock themselves out


def test_errors_on_their_fields_in_the_persons_language(web):  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        me = s.get(Person, web.org.people["leder2"])
        assert me is not None
        me.locale = "nn"
        s.add(me)
        s.commit()
    leder2, csrf = _as(web, "leder2")
    before = _state(web)
    r = leder2.post("/admin/personer/ny", data={"csrf": csrf, "name": "", "email": "ikkje-ei-adresse",
                                                "unit_id": str(web.org.units["Oppvekst/Solvang skole"])})
    assert r.status_code == 422
    assert 'id="name-error"' in r.text and 'id="email-error"' in r.text
    assert "namn manglar" in r.text and "ugyldig e-post «ikkje-ei-adresse»" in r.text and "Tilbake til personane" in r.text
    assert '<html lang="nn">' in r.text
    r = leder2.post("/admin/personer/ny", data={"csrf": csrf, "name": "Kopi", "email": "ansatt2@testkommune.no",
                                                "unit_id": str(web.org.units["Oppvekst/Solvang skole"])})
    assert r.status_code == 422 and "Per Kollega" in r.text
    assert _state(web) == before


def test_a_leader_gets_only_their_own_part(web):  # type: ignore[no-untyped-def]
    leder, csrf = _as(web, "leder")  # leder of Aurvoll skole
    aurvoll, solvang = web.org.units["Oppvekst/Aurvoll skole"], web.org.units["Oppvekst/Solvang skole"]
    assert "/admin/personer" in leder.get("/admin").text
    listing = leder.get("/admin/personer").text
    assert "Kari Ansatt" in listing and "Per Kollega" not in listing and "Arne Admin" not in listing
    before = _state(web)
    new = {"csrf": csrf, "name": "Ola Utanfor", "email": "ola.utanfor@testkommune.no", "unit_id": str(solvang)}
    assert leder.post("/admin/personer/ny", data=new).status_code == 403
    assert leder.post("/admin/personer/ny", data={**new, "unit_id": str(aurvoll), "role": "admin"}).status_code == 403
    kari = web.org.people["ansatt"]
    assert leder.post(f"/admin/personer/{kari}/roller", data={"csrf": csrf, "role": "admin"}).status_code == 403
    assert leder.post(f"/admin/personer/{kari}", data={"csrf": csrf, "name": "Kari", "email": "ansatt@testkommune.no",
                                                       "unit_id": str(solvang)}).status_code == 403
    per = web.org.people["ansatt2"]
    assert leder.get(f"/admin/personer/{per}").status_code == 404
    assert leder.post(f"/admin/personer/{per}/aktiv", data={"csrf": csrf, "active": "0"}).status_code == 404
    assert leder.post("/admin/enheter/ny", data={"csrf": csrf, "name": "Ny sektor", "parent_id": "0"}).status_code == 403
    assert _state(web) == before
    r = leder.post("/admin/personer/ny", follow_redirects=False, data={**new, "unit_id": str(aurvoll)})
    assert r.status_code == 303  # her own unit
    ola = _id(r.headers["location"])
    r = leder.post(f"/admin/personer/{ola}/roller", follow_redirects=False,
                   data={"csrf": csrf, "action": "gi", "role": "leder", "unit_id": str(aurvoll)})
    assert r.status_code == 303  # a co-leader for her own unit


def test_refusals_without_the_role_or_the_token_change_nothing(web):  # type: ignore[no-untyped-def]
    before = _state(web)
    ansatt, csrf = _as(web, "ansatt")
    for path in ("/admin/personer", "/admin/personer/ny", "/admin/enheter", f"/admin/personer/{web.org.people['ansatt']}"):
        assert ansatt.get(path).status_code in (403, 404), path
    data = {"csrf": csrf, "name": "Snik", "email": "snik@testkommune.no",
            "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"])}
    assert ansatt.post("/admin/personer/ny", data=data).status_code == 403
    assert ansatt.post(f"/admin/personer/{web.org.people['ansatt']}/roller",
                       data={"csrf": csrf, "role": "admin"}).status_code in (403, 404)
    admin, _csrf = _as(web, "admin")
    assert admin.post("/admin/personer/ny", data={**data, "csrf": "feil"}).status_code == 403
    assert admin.post(f"/admin/personer/{web.org.people['ansatt']}/aktiv", data={"active": "0"}).status_code == 403
    assert _state(web) == before


def test_search_filter_and_paging_over_many_people(web):  # type: ignore[no-untyped-def]
    unit = web.org.units["Helse og omsorg/Institusjonstjenester"]
    with Session(web.engine()) as s:
        for n in range(120):
            s.add(Person(org_id=web.org.org_id, email=f"mange{n:03d}@testkommune.no", name=f"Mange {n:03d}",
                         unit_id=unit))
        s.commit()
    admin, _csrf = _as(web, "admin")
    first = admin.get(f"/admin/personer?enhet={unit}")
    assert "120 personer" in first.text and "Side 1 av 3" in first.text and "Mange 000" in first.text
    assert "Mange 050" not in first.text and "Kari Ansatt" not in first.text and 'rel="next"' in first.text
    last = admin.get(f"/admin/personer?enhet={unit}&side=3").text
    assert "Mange 119" in last and "Mange 000" not in last and 'rel="next"' not in last
    assert "1 person" in admin.get("/admin/personer?q=MANGE%20077").text
    assert admin.get("/admin/personer?side=x&enhet=y&status=z").status_code == 200


def test_units_added_renamed_and_moved_with_paths_below(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    helse = web.org.units["Helse og omsorg"]
    r = admin.post("/admin/enheter/ny", follow_redirects=False, data={"csrf": csrf, "name": "Kultur", "parent_id": "0"})
    assert r.status_code == 303
    kultur = _id(r.headers["location"], "enheter")
    r = admin.post("/admin/enheter/ny", follow_redirects=False,
                   data={"csrf": csrf, "name": "Bibliotek", "parent_id": str(helse)})
    bibliotek = _id(r.headers["location"], "enheter")
    r = admin.post(f"/admin/enheter/{bibliotek}", follow_redirects=False,
                   data={"csrf": csrf, "name": "Folkebibliotek", "parent_id": str(kultur)})
    assert r.status_code == 303
    r = admin.post(f"/admin/enheter/{kultur}", follow_redirects=False,
                   data={"csrf": csrf, "name": "Kultur og fritid", "parent_id": "0"})
    assert r.status_code == 303
    with Session(web.engine()) as s:
        u = s.get(Unit, bibliotek)
        assert u is not None and u.path == "Kultur og fritid/Folkebibliotek" and u.id_path == f"/{kultur}/{bibliotek}/"
    bad = admin.post(f"/admin/enheter/{kultur}", data={"csrf": csrf, "name": "Kultur", "parent_id": str(bibliotek)})
    assert bad.status_code == 422 and 'id="parent_id-error"' in bad.text
    bad = admin.post("/admin/enheter/ny", data={"csrf": csrf, "name": "A/B", "parent_id": "0"})
    assert bad.status_code == 422 and 'id="name-error"' in bad.text
    bad = admin.post("/admin/enheter/ny", data={"csrf": csrf, "name": "Kultur og fritid", "parent_id": "0"})
    assert bad.status_code == 422 and "finnes allerede" in bad.text
    assert [e.action for e in _audit(web, "unit", bibliotek)] == ["unit.created", "unit.moved"]
    renamed = _audit(web, "unit", kultur)[-1]
    assert renamed.action == "unit.renamed" and renamed.detail["before"]["path"] == "Kultur"  # type: ignore[index]
    assert "Kultur og fritid" in admin.get("/admin/enheter").text
