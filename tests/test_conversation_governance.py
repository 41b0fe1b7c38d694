"""The buttons on risk and escalation notices work from chat, the same on every platform."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from models.errors import DomainError
from models.services import risk as risk_svc
from models.tables import OutboxMessage, RiskEscalation, RiskTiltak
from tests.test_conversation import FakeChannel, conv  # noqa: F401  (the fixture)


def _serious_risk(session, org):
    data = risk_svc.RiskInput(title="Brann i kjøkkenet", description="Gammelt komfyrvern", probability_before=4,
                              consequence_before=4, treatment="reduce", review_date=date.today() + timedelta(days=30))
    return risk_svc.add_risk(session=session, actor_id=org.people["leder"], data=data)


def test_kommunalsjef_acknowledges_an_escalation_from_chat(session, org, conv):  # noqa: F811
    _serious_risk(session, org)
    esc = session.exec(select(RiskEscalation)).one()
    notice = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_escalation")).one()
    assert any(a["action_id"] == "escalation.ack" for a in notice.payload["actions"])
    answer = FakeChannel(conv, org.people["kommunalsjef"]).press("escalation.ack", str(esc.id))
    assert "bekreftet" in answer
    session.expire_all()
    assert session.get(RiskEscalation, esc.id).acknowledged_at is not None


def test_someone_else_cannot_acknowledge_and_nothing_changes(session, org, conv):  # noqa: F811
    _serious_risk(session, org)
    esc = session.exec(select(RiskEscalation)).one()
    with pytest.raises(DomainError):
        FakeChannel(conv, org.people["ansatt"]).press("escalation.ack", str(esc.id))
    session.expire_all()
    assert session.get(RiskEscalation, esc.id).acknowledged_at is None


def test_risk_tiltak_done_and_review_button_from_chat(session, org, conv):  # noqa: F811
    r = _serious_risk(session, org)
    t = risk_svc.add_risk_tiltak(session=session, actor_id=org.people["leder"], risk_id=r.id,
                                 description="Bytt komfyrvern", deadline=date.today() + timedelta(days=14),
                                 owner_id=org.people["leder"])
    leader = FakeChannel(conv, org.people["leder"])
    assert "markert som utført" in leader.press("risk_tiltak.done", str(t.id))
    session.expire_all()
    assert session.get(RiskTiltak, t.id).done_at is not None
    replies = conv.handle_action(leader_interaction(leader, "risk.review", str(r.id)))
    assert replies[0].actions[0].url.endswith(f"/risiko/{r.id}/gjennomga")


def leader_interaction(channel: FakeChannel, action_id: str, value: str):
    from bot.conversation.channel import Interaction

    return Interaction(user=channel.user, person_id=channel.person_id, action_id=action_id, value=value,
                       supports_forms=False)


def test_leader_adds_a_risk_in_a_guided_dialog(session, org, conv):  # noqa: F811
    from models.tables import Risk

    chat = FakeChannel(conv, org.people["leder"])
    assert "1/7 Enhet" in chat.say("ny risiko")
    chat.say("1")
    chat.say("Brann i kjøkkenet")
    chat.say("Gammelt komfyrvern uten automatisk avslag")
    chat.say("4")
    chat.say("4")
    assert "7/7" in chat.say("2")  # Redusere (the second treatment)
    assert "stemmer dette" in chat.say("om 12 uker")
    done = chat.say("send")
    assert "RO-1" in done and "risikotall 16" in done and "oppover i linjen" in done
    r = session.exec(select(Risk)).one()
    assert (r.title, r.risk_before, r.treatment) == ("Brann i kjøkkenet", 16, "reduce")
    assert session.exec(select(RiskEscalation)).all()  # 16 ≥ 15: the kommunalsjef is told


def test_an_employee_is_told_risks_are_for_leaders_and_nothing_starts(session, org, conv):  # noqa: F811
    from models.tables import DialogState

    answer = FakeChannel(conv, org.people["ansatt"]).say("ny risiko")
    assert "ledere" in answer
    assert session.exec(select(DialogState)).all() == []


def test_reporting_for_another_unit_names_that_units_leader_once(session, org, conv):  # noqa: F811
    """Issue 12: «Lederen din er varslet» was wrong for another unit, and the receipt thanked twice."""
    from models.tables import Unit

    chat = FakeChannel(conv, org.people["ansatt"])  # works at Aurvoll; reports for Solvang
    solvang = session.get(Unit, org.units["Oppvekst/Solvang skole"])
    form = conv.open_avvik_form(org.people["ansatt"])
    options = dict((label, value) for value, label in next(f for f in form.fields if f.name == "unit_id").options)
    replies = conv.submit_form(_submission(chat, {"category": "hms", "unit_id": options[solvang.name],
                                            "description": "Glatt ved inngangen.", "occurred_at": "nå",
                                            "probability": "2", "consequence": "2"}))
    text = replies[0].text
    assert "Solvang" in text and "Lederen din" not in text
    receipt = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "avvik_receipt")).one()
    assert "Takk" not in receipt.payload["title"]
    assert "«Glatt ved inngangen.» " in receipt.payload["text"] and ".»." not in receipt.payload["text"]
    assert "Solvang" in receipt.payload["text"]


def _submission(channel: FakeChannel, values: dict[str, str]):
    from bot.conversation.channel import Interaction

    return Interaction(user=channel.user, person_id=channel.person_id, action_id="avvik.report", values=values,
                       supports_forms=True)
