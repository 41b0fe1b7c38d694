"""Avvik rules: reporting, who sees what, the state machine, and the messages people get."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from models.services import avvik as svc
from models.tables import Avvik, OutboxMessage


def _input(**kw):
    base = dict(category="hms", description="Glatt gulv i gymsalen, elev skled", occurred_at=datetime.now(UTC) - timedelta(hours=1),
                probability=3, consequence=4, location="Gymsalen")
    base.update(kw)
    return svc.AvvikInput(**base)


def test_report_tells_reporter_and_unit_leader(session, org):
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    assert a.number == 1 and a.status == "meldt" and a.risk == 12
    assert a.unit_id == org.units["Oppvekst/Aurvoll skole"]  # default: reporter's unit
    msgs = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    recipients = {(m.kind, m.recipient_person_id) for m in msgs}
    assert ("avvik_receipt", org.people["ansatt"]) in recipients
    assert ("avvik_new", org.people["leder"]) in recipients
    leader_msg = next(m for m in msgs if m.kind == "avvik_new")
    assert [a["action_id"] for a in leader_msg.payload["actions"]] == ["avvik.take", "avvik.add_tiltak", "avvik.close"]


def test_leader_reporting_in_own_unit_is_handled_by_the_leader_above(session, org):
    a = svc.report_avvik(session=session, reporter_id=org.people["leder"], data=_input())
    told = {m.recipient_person_id for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "avvik_new"))}
    assert told == {org.people["kommunalsjef"]}
    assert svc.get_avvik(session=session, actor_id=org.people["kommunalsjef"], avvik_id=a.id).id == a.id


def test_numbers_are_sequential_per_org(session, org):
    nums = [svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input()).number for _ in range(3)]
    assert nums == [1, 2, 3]


def test_validation_reports_every_bad_field(session, org):
    with pytest.raises(ValidationFailed) as e:
        svc.report_avvik(session=session, reporter_id=org.people["ansatt"],
                         data=_input(category="tull", description="", probability=9,
                                     occurred_at=datetime.now(UTC) + timedelta(days=2)))
    assert set(e.value.errors) == {"category", "description", "probability", "occurred_at"}
    assert session.exec(select(Avvik)).all() == []


def test_employee_cannot_see_other_units_avvik(session, org):
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    with pytest.raises(NotFound):
        svc.get_avvik(session=session, actor_id=org.people["ansatt2"], avvik_id=a.id)
    with pytest.raises(NotFound):
        svc.get_avvik(session=session, actor_id=org.people["leder2"], avvik_id=a.id)
    # the line above sees it: own leader, kommunalsjef for the sector, kommunedirektør
    for who in ("leder", "kommunalsjef", "direktor", "ansatt"):
        assert svc.get_avvik(session=session, actor_id=org.people[who], avvik_id=a.id).id == a.id
    # another sector's leader does not
    with pytest.raises(NotFound):
        svc.get_avvik(session=session, actor_id=org.people["hjemmeleder"], avvik_id=a.id)


def test_leader_lists_unit_and_units_below(session, org):
    svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    svc.report_avvik(session=session, reporter_id=org.people["ansatt2"], data=_input())
    assert len(svc.list_unit_avvik(session=session, actor_id=org.people["leder"])) == 1
    assert len(svc.list_unit_avvik(session=session, actor_id=org.people["kommunalsjef"])) == 2
    with pytest.raises(PermissionDenied):
        svc.list_unit_avvik(session=session, actor_id=org.people["ansatt"])
    # the count follows the same rule, and is refused the same way
    assert svc.count_unit_avvik(session=session, actor_id=org.people["leder"]) == 1
    assert svc.count_unit_avvik(session=session, actor_id=org.people["kommunalsjef"]) == 2
    assert len(svc.list_unit_avvik(session=session, actor_id=org.people["kommunalsjef"], limit=1)) == 1
    with pytest.raises(PermissionDenied):
        svc.count_unit_avvik(session=session, actor_id=org.people["ansatt"])


def test_full_lifecycle_and_reporter_is_told(session, org):
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    leader = org.people["leder"]
    with pytest.raises(PermissionDenied):
        svc.take_avvik(session=session, actor_id=org.people["ansatt"], avvik_id=a.id)
    svc.take_avvik(session=session, actor_id=leader, avvik_id=a.id)
    t = svc.add_tiltak(session=session, actor_id=leader, avvik_id=a.id, description="Sklisikre matter",
                       owner_id=org.people["ansatt"], deadline=date.today() + timedelta(days=14))
    assert session.get(Avvik, a.id).status == "tiltak_iverksatt"
    with pytest.raises(ValidationFailed) as e:
        svc.close_avvik(session=session, actor_id=leader, avvik_id=a.id, conclusion="Ferdig", effect_evaluation="")
    assert "effect_evaluation" in e.value.errors
    svc.complete_tiltak(session=session, actor_id=org.people["ansatt"], tiltak_id=t.id, effect="Ingen nye fall")
    closed = svc.close_avvik(session=session, actor_id=leader, avvik_id=a.id, conclusion="Matter lagt ut",
                             effect_evaluation="Ingen nye fall på to uker")
    assert closed.status == "lukket" and closed.closed_at is not None
    with pytest.raises(InvalidTransition):
        svc.close_avvik(session=session, actor_id=leader, avvik_id=a.id, conclusion="x" * 5, effect_evaluation="y" * 5)
    svc.reopen_avvik(session=session, actor_id=leader, avvik_id=a.id, reason="Nytt fall")
    told = session.exec(select(OutboxMessage).where(OutboxMessage.recipient_person_id == org.people["ansatt"],
                                                    OutboxMessage.kind == "avvik_status")).all()
    texts = " | ".join(m.payload["text"] for m in told)
    assert "tatt saken" in texts and "førte til tiltak" in texts and "lukket" in texts and "gjenåpnet" in texts
    kinds = [e.kind for e in svc.history(session=session, actor_id=leader, avvik_id=a.id)]
    assert kinds == ["reported", "taken", "tiltak", "tiltak_done", "closed", "reopened"]


def test_hostile_text_is_stored_verbatim_and_nothing_lost(session, org):
    nasty = "'; DROP TABLE avvik; -- <!channel> <https://evil|klikk> 😀 " + "x" * 100
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input(description=nasty))
    assert session.get(Avvik, a.id).description == nasty.strip()
    with pytest.raises(ValidationFailed):
        svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input(description="x" * 10_000))
    assert len(session.exec(select(Avvik)).all()) == 1


def test_idempotency_key_returns_first_avvik(session, org):
    a1 = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input(), idempotency_key="view-1")
    a2 = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input(), idempotency_key="view-1")
    assert a1.id == a2.id and len(session.exec(select(Avvik)).all()) == 1
    assert len(session.exec(select(OutboxMessage)).all()) == 2  # one receipt, one leader DM: nothing twice
    # the resubmission used no case number
    assert svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input()).number == 2


def test_a_double_click_from_two_servers_at_once_gives_one_avvik(engine, session, org):
    """Two requests with the same modal submission race (a Slack retry on another worker)."""
    from tests.concurrency import at_once
    from tests.conftest import AutoEndSession

    session.commit()

    def submit() -> int:
        with AutoEndSession(engine, expire_on_commit=False) as s:
            return svc.report_avvik(session=s, reporter_id=org.people["ansatt"], data=_input(),
                                    idempotency_key="view-race").number

    got, errors = at_once(submit)
    assert not errors and got == [1, 1]
    assert len(session.exec(select(Avvik)).all()) == 1
    assert len(session.exec(select(OutboxMessage)).all()) == 2


def test_a_new_leader_can_act_as_soon_as_the_role_is_saved(session, org):
    """Rights are read once per transaction (for speed) but never outlive it."""
    from models.tables import PersonRole

    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    with pytest.raises(NotFound):
        svc.get_avvik(session=session, actor_id=org.people["ansatt2"], avvik_id=a.id)
    session.add(PersonRole(org_id=org.org_id, person_id=org.people["ansatt2"], role="leder",
                           unit_id=org.units["Oppvekst/Aurvoll skole"]))
    session.commit()
    assert svc.take_avvik(session=session, actor_id=org.people["ansatt2"], avvik_id=a.id).assignee_id == org.people["ansatt2"]
    session.delete(session.exec(select(PersonRole).where(PersonRole.person_id == org.people["ansatt2"],
                                                         PersonRole.role == "leder")).one())
    session.commit()
    b = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    with pytest.raises(NotFound):
        svc.get_avvik(session=session, actor_id=org.people["ansatt2"], avvik_id=b.id)
