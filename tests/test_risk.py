"""The ROS register: validation, reading along the line, escalation, acknowledgement, matrix and top risks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.messages import Reply
from models.services import avvik as avvik_svc
from models.services import escalation, risk_read
from models.services import risk as svc
from models.tables import AuditEntry, OutboxMessage, Risk, RiskEscalation

SOON = date.today() + timedelta(days=60)


def _input(**kw):
    base = dict(title="Elev skader seg i gymsalen", description="Glatte gulv etter vask", probability_before=3,
                consequence_before=3, treatment="reduce", review_date=SOON, cause="Vask midt på dagen",
                consequence_text="Brudd, fravær")
    base.update(kw)
    return svc.RiskInput(**base)


def _escalations(session):
    return {(m.recipient_person_id, m.kind) for m in session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == "risk_escalation")).all()}


def test_leader_adds_risk_with_scores_and_audit(session, org):
    r = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(probability_after=2))
    assert (r.number, r.risk_before, r.risk_after, r.unit_id) == (1, 9, 6, org.units["Oppvekst/Aurvoll skole"])
    assert r.owner_id == org.people["leder"]
    assert session.exec(select(AuditEntry.action).where(AuditEntry.entity == "risk")).all() == ["risk.added"]
    assert _escalations(session) == set()  # 9 is below the threshold


def test_bad_input_is_refused_with_messages_and_nothing_stored(session, org):
    with pytest.raises(ValidationFailed) as e:
        svc.add_risk(session=session, actor_id=org.people["leder"],
                     data=_input(probability_before=6, consequence_before=0, treatment="ignorere",
                                 review_date=date.today() - timedelta(days=2), title=""))
    assert set(e.value.errors) == {"probability_before", "consequence_before", "treatment", "review_date", "title"}
    assert e.value.errors["probability_before"] == "Velg et tall fra 1 til 5."
    with pytest.raises(ValidationFailed) as e:
        svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(unit_id=999_999))
    assert e.value.errors == {"unit_id": "Velg en enhet i din kommune."}
    with pytest.raises(ValidationFailed) as e:
        svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(probability_after=5, consequence_after=5))
    assert "etter tiltak" in e.value.errors["probability_after"]
    assert session.exec(select(Risk)).all() == []


def test_read_along_the_line(session, org):
    r = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input())
    for who in ("leder", "kommunalsjef", "direktor", "admin"):
        assert risk_read.get_risk(session=session, actor_id=org.people[who], risk_id=r.id).ref == "RO-1"
    for who in ("leder2", "hjemmeleder", "ansatt"):
        with pytest.raises(NotFound):
            risk_read.get_risk(session=session, actor_id=org.people[who], risk_id=r.id)
    with pytest.raises(PermissionDenied):  # another unit's leader cannot register risks there
        svc.add_risk(session=session, actor_id=org.people["leder2"], data=_input(unit_id=org.units["Oppvekst/Aurvoll skole"]))
    assert risk_read.top_risks(session=session, actor_id=org.people["leder2"]) == []
    assert risk_read.risk_matrix(session=session, actor_id=org.people["leder2"]).total == 0
    with pytest.raises(PermissionDenied):
        risk_read.risk_matrix(session=session, actor_id=org.people["leder2"], unit_id=org.units["Oppvekst/Aurvoll skole"])
    with pytest.raises(PermissionDenied):
        risk_read.top_risks(session=session, actor_id=org.people["ansatt"])


def test_tiltak_owner_sees_the_risk_and_completes_tiltak(session, org):
    r = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input())
    t = svc.add_risk_tiltak(session=session, actor_id=org.people["leder"], risk_id=r.id, description="Vask etter skoletid",
                            deadline=SOON, owner_id=org.people["ansatt"])
    assert risk_read.get_risk(session=session, actor_id=org.people["ansatt"], risk_id=r.id).tiltak[0].done is False
    owner_msg = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_tiltak_owner")).one()
    assert owner_msg.recipient_person_id == org.people["ansatt"]
    svc.complete_risk_tiltak(session=session, actor_id=org.people["ansatt"], tiltak_id=t.id)
    assert risk_read.get_risk(session=session, actor_id=org.people["leder"], risk_id=r.id).tiltak[0].done is True
    with pytest.raises(ValidationFailed):
        svc.add_risk_tiltak(session=session, actor_id=org.people["leder"], risk_id=r.id, description="x",
                            deadline=date.today() - timedelta(days=1))


def test_escalation_thresholds_and_no_doubling(session, org):
    svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(probability_before=3, consequence_before=4))
    assert _escalations(session) == set()  # 12
    r = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(probability_before=3, consequence_before=5))
    assert _escalations(session) == {(org.people["kommunalsjef"], "risk_escalation")}  # 15: the sector
    svc.review_risk(session=session, actor_id=org.people["leder"], risk_id=r.id, next_review=SOON)
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_escalation")).all()) == 1
    svc.review_risk(session=session, actor_id=org.people["leder"], risk_id=r.id, next_review=SOON,
                    probability_before=4)  # 20: the top as well, the sector not again
    assert _escalations(session) == {(org.people["kommunalsjef"], "risk_escalation"),
                                     (org.people["direktor"], "risk_escalation")}
    assert len(session.exec(select(RiskEscalation)).all()) == 2


def test_thresholds_come_from_the_caller(session, org):
    svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(), thresholds=escalation.Thresholds(9, 9))
    assert _escalations(session) == {(org.people["kommunalsjef"], "risk_escalation"),
                                     (org.people["direktor"], "risk_escalation")}


def test_avvik_escalation_hook(session, org):
    a = avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=avvik_svc.AvvikInput(
        category="hms", description="Brann i søppelrom", occurred_at=datetime.now(UTC) - timedelta(hours=1),
        probability=4, consequence=5))
    first = escalation.escalate_avvik(session, a)
    assert first in (0, 2)  # 0 once report_avvik calls the hook itself
    assert escalation.escalate_avvik(session, a) == 0
    session.commit()
    assert _escalations(session) == {(org.people["kommunalsjef"], "risk_escalation"),
                                     (org.people["direktor"], "risk_escalation")}


def test_unit_without_kommunalsjef_escalates_to_the_top(session, org):
    unit = org.units["Helse og omsorg/Hjemmebaserte tjenester"]
    svc.add_risk(session=session, actor_id=org.people["hjemmeleder"],
                 data=_input(unit_id=unit, probability_before=5, consequence_before=3))
    assert _escalations(session) == {(org.people["direktor"], "risk_escalation")}


def test_acknowledgement_updates_the_message_in_place(session, org):
    svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(probability_before=5, consequence_before=3))
    esc = session.exec(select(RiskEscalation)).one()
    with pytest.raises(PermissionDenied):
        escalation.acknowledge(session=session, actor_id=org.people["direktor"], escalation_id=esc.id)
    assert [e.id for e in escalation.my_escalations(session=session, actor_id=org.people["kommunalsjef"])] == [esc.id]
    escalation.acknowledge(session=session, actor_id=org.people["kommunalsjef"], escalation_id=esc.id)
    escalation.acknowledge(session=session, actor_id=org.people["kommunalsjef"], escalation_id=esc.id)
    assert session.get(RiskEscalation, esc.id).acknowledged_at is not None
    update = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_escalation_update")).one()
    assert update.update_of_key == f"escalation:risk:{esc.subject_id}:person-{org.people['kommunalsjef']}"
    reply = Reply.model_validate(update.payload)
    assert reply.actions == [] and reply.facts[-1].label == "Bekreftet" and "Ola Oppvekst" in reply.facts[-1].value
    assert escalation.my_escalations(session=session, actor_id=org.people["kommunalsjef"]) == []


def test_matrix_counts_per_cell_before_and_after_and_by_scope(session, org):
    for p, c, pa in ((3, 3, 2), (3, 3, 1), (1, 5, 1)):
        svc.add_risk(session=session, actor_id=org.people["leder"],
                     data=_input(probability_before=p, consequence_before=c, probability_after=pa))
    svc.add_risk(session=session, actor_id=org.people["leder2"], data=_input(probability_before=2, consequence_before=2))
    closed = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(probability_before=4))
    svc.close_risk(session=session, actor_id=org.people["leder"], risk_id=closed.id, reason="Aktiviteten er lagt ned")
    m = risk_read.risk_matrix(session=session, actor_id=org.people["leder"])
    assert (m.count(3, 3), m.count(1, 5), m.total) == (2, 1, 3)
    after = risk_read.risk_matrix(session=session, actor_id=org.people["leder"], after=True)
    assert (after.count(2, 3), after.count(1, 3), after.count(1, 5), after.count(3, 3)) == (1, 1, 1, 0)
    sector = risk_read.risk_matrix(session=session, actor_id=org.people["kommunalsjef"], unit_id=org.units["Oppvekst"])
    assert sector.total == 4 and sector.count(2, 2) == 1
    assert risk_read.risk_matrix(session=session, actor_id=org.people["direktor"]).total == 4
    assert m.by_severity() == {"Lav": 0, "Middels": 3, "Høy": 0, "Kritisk": 0}


def test_top_risks_with_tiltak_and_linked_avvik(session, org):
    low = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(title="Lav risiko", probability_before=1))
    high = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input(title="Høy risiko", probability_before=4))
    svc.add_risk_tiltak(session=session, actor_id=org.people["leder"], risk_id=high.id, description="Nye matter",
                        deadline=SOON)
    a = avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=avvik_svc.AvvikInput(
        category="hms", description="Elev skled", occurred_at=datetime.now(UTC) - timedelta(hours=1),
        probability=2, consequence=2))
    svc.link_avvik(session=session, actor_id=org.people["leder"], avvik_id=a.id, risk_id=high.id)
    assert svc.risk_for_avvik(session=session, actor_id=org.people["leder"], avvik_id=a.id) == high.id
    assert svc.risk_for_avvik(session=session, actor_id=org.people["leder2"], avvik_id=a.id) is None
    top = risk_read.top_risks(session=session, actor_id=org.people["kommunalsjef"], limit=1)
    assert [(v.title, v.risk_before, len(v.tiltak), v.linked_avvik) for v in top] == [("Høy risiko", 12, 1, (a.number,))]
    assert [v.id for v in risk_read.top_risks(session=session, actor_id=org.people["leder"])] == [high.id, low.id]


def test_thresholds_from_settings_and_configure(monkeypatch, session, org):
    from models.settings import Settings

    monkeypatch.setenv("RISK_ESCALATE_SECTOR", "8")
    monkeypatch.setenv("RISK_ESCALATE_TOP", "12")
    t = escalation.Thresholds.from_settings(Settings())
    assert t == escalation.Thresholds(sector=8, top=12)
    assert escalation.Thresholds.from_settings(Settings(_env_file=None)) == t  # the environment decides
    escalation.configure(t)
    try:
        svc.add_risk(session=session, actor_id=org.people["leder"], data=_input())  # 9: sector only
        assert _escalations(session) == {(org.people["kommunalsjef"], "risk_escalation")}
    finally:
        escalation.configure(escalation.Thresholds())
    assert escalation.current() == escalation.Thresholds(15, 20)


def test_read_side_query_count_does_not_grow_with_the_risks(session, org, engine):
    from sqlalchemy import event

    statements: list[str] = []

    def count(*_args):
        statements.append("x")

    def reads(n_risks: int) -> int:
        for _ in range(n_risks):
            r = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input())
            svc.add_risk_tiltak(session=session, actor_id=org.people["leder"], risk_id=r.id, description="Tiltak",
                                deadline=SOON)
        session.commit()  # a new transaction: the actor is read again, as in a new request
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            top = risk_read.top_risks(session=session, actor_id=org.people["kommunalsjef"], limit=50)
            risk_read.risk_matrix(session=session, actor_id=org.people["kommunalsjef"])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert all(len(v.tiltak) == 1 for v in top)
        return len(statements)

    assert reads(2) == reads(10)


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ValueError, match="RISK_ESCALATE_TOP"):
        escalation.Thresholds(sector=20, top=15)


def test_two_writers_escalating_at_once_send_once(engine, session, org):
    """Two workers escalate the same risk in the same instant: one row and one message per recipient."""
    from tests.concurrency import at_once
    from tests.conftest import AutoEndSession

    r = svc.add_risk(session=session, actor_id=org.people["leder"], data=_input())
    r = session.get(Risk, r.id)
    r.probability_before, r.consequence_before, r.risk_before = 4, 5, 20  # scored outside the use case
    session.add(r)
    session.commit()

    def escalate() -> int:
        with AutoEndSession(engine, expire_on_commit=False) as s:
            n = escalation.escalate_risk(s, s.get(Risk, r.id))
            s.commit()
            return n

    got, errors = at_once(escalate)
    assert not errors and sorted(got) in ([0, 2], [1, 1])
    assert len(session.exec(select(RiskEscalation)).all()) == 2
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_escalation")).all()) == 2
