"""Internkontroll answers and oppdrag updates: who may, what changes, the traffic light."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models.errors import PermissionDenied, ValidationFailed
from models.services import checklists, oppdrag
from models.tables import Avvik, ChecklistAnswer, ChecklistRun, Oppdrag

NOV = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_due_items_per_led_unit_and_answers(session, org):
    due = checklists.list_due_checklists(session=session, actor_id=org.people["leder"], now=NOV)
    assert [d.text for d in due] == ["Er det gjennomført leiarsamtale med underordna leiar?", "Er vernerunde gjennomført?"]
    assert {d.period for d in due} == {"2026-T3"}
    assert checklists.list_due_checklists(session=session, actor_id=org.people["ansatt"], now=NOV) == []
    unit = org.units["Oppvekst/Aurvoll skole"]
    checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=unit, item_id=org.items[0],
                                 answer="ja", now=NOV)
    assert len(checklists.list_due_checklists(session=session, actor_id=org.people["leder"], now=NOV)) == 1
    # next tertial: due again
    assert len(checklists.list_due_checklists(session=session, actor_id=org.people["leder"],
                                              now=datetime(2027, 1, 5, tzinfo=UTC))) == 2


def test_nei_requires_comment_and_creates_one_avvik(session, org):
    unit = org.units["Oppvekst/Aurvoll skole"]
    with pytest.raises(ValidationFailed) as e:
        checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=unit, item_id=org.items[1],
                                     answer="nei", now=NOV)
    assert "comment" in e.value.errors
    r = checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=unit, item_id=org.items[1],
                                     answer="nei", comment="Ikke gjennomført i høst", now=NOV)
    assert r.avvik_number == 1
    a = session.exec(select(Avvik)).one()
    assert a.source == "checklist" and a.category == "hms" and a.unit_id == unit
    # answering again does not create another avvik
    checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=unit, item_id=org.items[1],
                                 answer="nei", comment="Fortsatt ikke", now=NOV)
    assert len(session.exec(select(Avvik)).all()) == 1
    assert len(session.exec(select(ChecklistAnswer)).all()) == 1
    assert len(session.exec(select(ChecklistRun)).all()) == 1


def test_only_the_units_leader_answers(session, org):
    with pytest.raises(PermissionDenied):
        checklists.answer_check_item(session=session, actor_id=org.people["leder2"],
                                     unit_id=org.units["Oppvekst/Aurvoll skole"], item_id=org.items[0], answer="ja")
    with pytest.raises(ValidationFailed):
        checklists.answer_check_item(session=session, actor_id=org.people["leder"],
                                     unit_id=org.units["Oppvekst/Aurvoll skole"], item_id=org.items[0], answer="kanskje")


def test_oppdrag_owner_and_delegated_leader_may_update(session, org):
    assert [o.number for o in oppdrag.list_my_oppdrag(session=session, person_id=org.people["leder"])] == [12]
    # leder2 leads Solvang, to which «vernerunde» (13) is delegated
    assert [o.number for o in oppdrag.list_my_oppdrag(session=session, person_id=org.people["leder2"])] == [13]
    o = oppdrag.update_oppdrag(session=session, actor_id=org.people["leder2"], number=13, progress=30)
    assert (o.status, o.progress) == ("pagar", 30)
    with pytest.raises(PermissionDenied):
        oppdrag.update_oppdrag(session=session, actor_id=org.people["ansatt"], number=13, status="fullfort")
    with pytest.raises(ValidationFailed) as e:
        oppdrag.update_oppdrag(session=session, actor_id=org.people["leder"], number=12, progress=150)
    assert "progress" in e.value.errors
    done = oppdrag.update_oppdrag(session=session, actor_id=org.people["leder"], number=12, status="fullfort")
    assert done.progress == 100
    assert oppdrag.list_my_oppdrag(session=session, person_id=org.people["leder"]) == []


def test_traffic_light_rules():
    today = date(2026, 11, 23)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    base = dict(org_id=1, number=1, title="x", category="c", owner_id=1, created_at=now, last_status_at=now)
    assert oppdrag.traffic_light(Oppdrag(**base, status="pagar", progress=10, deadline=date(2027, 6, 1)), today) == "gronn"
    assert oppdrag.traffic_light(Oppdrag(**base, status="pagar", progress=10, deadline=date(2026, 12, 10)), today) == "gul"
    assert oppdrag.traffic_light(Oppdrag(**base, status="pagar", progress=10, deadline=date(2026, 11, 1)), today) == "rod"
    assert oppdrag.traffic_light(Oppdrag(**base, status="forsinket", progress=10), today) == "rod"
    assert oppdrag.traffic_light(Oppdrag(**base, status="fullfort", progress=100, deadline=date(2026, 1, 1)), today) == "gronn"
    assert oppdrag.traffic_light(Oppdrag(**base, status="avbrutt", progress=0), today) is None
    stale = dict(base, last_status_at=now - timedelta(days=60))
    assert oppdrag.traffic_light(Oppdrag(**stale, status="pagar", progress=10), today) == "gul"
