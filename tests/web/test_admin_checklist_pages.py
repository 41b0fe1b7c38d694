"""`/admin/sjekklister` over HTTP: make and edit a template through the forms, a new version once published,
errors on their fields, and refusals (no role, no token) that change nothing."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.tables import AuditEntry, ChecklistItem, ChecklistTemplate, OutboxMessage
from tests.web.conftest import sign_in

ITEMS = "HMS | Vernerunde | Er vernerunden gjennomført?\nPersonal | Samtale | Er <b>samtalane</b> haldne?"


def _as(web, key: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    return c, sign_in(c, web, key)


def _form(csrf: str, **over: str) -> dict[str, str]:
    return {"csrf": csrf, "name": "HR-sjekkliste web", "recurrence": "tertial", "due_day": "25",
            "publish_on": date.today().isoformat(), "scope": "all", "items": ITEMS, **over}


def _count(web) -> int:  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        return len(s.exec(select(ChecklistTemplate)).all())


def test_admin_makes_and_edits_a_template_into_a_new_version(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    assert 'href="/admin"' in admin.get("/").text
    assert "/admin/sjekklister" in admin.get("/admin").text
    r = admin.post("/admin/sjekklister/ny", data=_form(csrf), follow_redirects=False)
    assert r.status_code == 303, r.text
    tid = int(re.search(r"/sjekklister/(\d+)\?ok=ny", r.headers["location"]).group(1))  # type: ignore[union-attr]
    page = admin.get(r.headers["location"])
    assert "Sjekklisten er lagret" in page.text and "&lt;b&gt;samtalane&lt;/b&gt;" in page.text  # escaped
    assert "HR-sjekkliste web" in admin.get("/admin/sjekklister").text
    edited = ITEMS.replace("gjennomført?", "gjennomført og loggført?")
    r = admin.post(f"/admin/sjekklister/{tid}", data=_form(csrf, items=edited), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "versjon 2" in admin.get(r.headers["location"]).text
    with Session(web.engine()) as s:
        tpl = s.get(ChecklistTemplate, tid)
        assert tpl is not None and tpl.version == 2
        texts = {(i.text, i.active) for i in s.exec(select(ChecklistItem).where(ChecklistItem.template_id == tid))}
        assert ("Er vernerunden gjennomført?", False) in texts and ("Er vernerunden gjennomført og loggført?", True) in texts
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.entity == "checklist_template",
                                                                      AuditEntry.entity_id == tid))]
        assert actions == ["checklist_template.created", "checklist_template.new_version"]
        told = s.exec(select(OutboxMessage.recipient_person_id).where(
            OutboxMessage.dedupe_key.startswith(f"checklist:{tid}:v1:"))).all()  # type: ignore[attr-defined]
        assert set(told) == {web.org.people[k] for k in ("leder", "leder2", "hjemmeleder")}
    r = admin.post(f"/admin/sjekklister/{tid}/avslutt", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with Session(web.engine()) as s:
        assert s.get(ChecklistTemplate, tid).active is False  # type: ignore[union-attr]


def test_errors_on_their_fields_and_nothing_stored(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    before = _count(web)
    r = admin.post("/admin/sjekklister/ny", data=_form(csrf, name="", publish_on="31.02.2027", due_day="x",
                                                        items="bare ein del"))
    assert r.status_code == 422
    assert 'id="name-error"' in r.text and 'id="publish_on-error"' in r.text and 'id="items-error"' in r.text
    assert "Linje 1" in r.text
    r = admin.post("/admin/sjekklister/ny", data=_form(csrf, scope="sector"))
    assert r.status_code == 422 and 'id="unit_ids-error"' in r.text
    assert _count(web) == before


def test_refusals_change_nothing(web):  # type: ignore[no-untyped-def]
    before = _count(web)
    ansatt, csrf = _as(web, "ansatt")
    assert ansatt.get("/admin/sjekklister").status_code == 403
    assert ansatt.get("/admin").status_code == 403
    assert ansatt.post("/admin/sjekklister/ny", data=_form(csrf)).status_code == 403
    leder, lcsrf = _as(web, "leder")
    r = leder.post("/admin/sjekklister/ny", data=_form(lcsrf, scope="units",
                                                         **{f"unit_{web.org.units['Oppvekst/Solvang skole']}": "1"}))
    assert r.status_code == 403  # not a unit she leads
    admin, _csrf = _as(web, "admin")
    assert admin.post("/admin/sjekklister/ny", data=_form("feil-token")).status_code == 403
    assert _count(web) == before
    r = leder.post("/admin/sjekklister/ny", follow_redirects=False, data=_form(
        lcsrf, scope="units", name="Aurvoll sin", **{f"unit_{web.org.units['Oppvekst/Aurvoll skole']}": "1"}))
    assert r.status_code == 303  # her own unit
    assert "Aurvoll sin" in leder.get("/admin/sjekklister").text
