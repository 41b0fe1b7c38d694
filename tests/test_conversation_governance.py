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
    replies = conv.handle_action(leader_interaction(leader, "risk.review", str(r.id)))
    assert "1/4 Sannsynlighet (nå 4)" in "\n".join(x.text for x in replies)  # a guided review, not a link
    session.expire_all()
    assert session.get(RiskTiltak, t.id).done_at is not None


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


def _due_risk(session, org):
    """A risk whose review is due in three days, and the reminder its owner got for it."""
    from models.services import governance_reminders

    data = risk_svc.RiskInput(title="Glatt trapp", description="Is om vinteren", probability_before=3,
                              consequence_before=3, treatment="reduce", review_date=date.today() + timedelta(days=3))
    r = risk_svc.add_risk(session=session, actor_id=org.people["leder"], data=data)
    assert governance_reminders.send_risk_review_reminders(session=session) == 1
    session.commit()
    reminder = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_review")).one()
    return r, reminder


def test_the_reminders_button_opens_a_guided_review_that_is_stored_and_updates_the_reminder(session, org, conv):  # noqa: F811
    from models.tables import AuditEntry, Risk

    r, reminder = _due_risk(session, org)
    assert reminder.payload["actions"][0]["action_id"] == "risk.review"
    chat = FakeChannel(conv, org.people["leder"])
    assert "1/4 Sannsynlighet (nå 3)" in chat.press("risk.review", str(r.id))
    assert "2/4 Konsekvens (nå 3)" in chat.say("2")
    assert "3/4 Kommentar" in chat.say("3")
    assert "4/4 Neste gjennomgang" in chat.say("Strødd og fått varmekabler")
    assert "stemmer dette" in chat.say("om 12 uker")
    done = chat.say("send")
    assert "Gjennomgangen av RO-1 er lagret: risikotall 6" in done
    session.expire_all()
    stored = session.get(Risk, r.id)
    assert (stored.probability_before, stored.consequence_before) == (2, 3)
    assert stored.review_date == date(2027, 2, 15) and stored.reviewed_at is not None  # 12 weeks from the chat's today
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "risk.reviewed")).one()
    assert entry.detail["comment"] == "Strødd og fått varmekabler" and entry.detail["after"][0] == 6
    (update,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_review_update")).all()
    assert update.update_of_key == reminder.dedupe_key and update.recipient_person_id == org.people["leder"]
    assert "gjennomgått" in update.payload["title"] and not update.payload["actions"]
    assert "risikotall 6 før tiltak" in update.payload["text"]


def test_gjennomga_risiko_by_number_as_a_form_and_bad_input_stores_nothing(session, org, conv):  # noqa: F811
    from bot.conversation.channel import IncomingMessage, Interaction
    from models.errors import ValidationFailed
    from models.tables import Risk

    r, _reminder = _due_risk(session, org)
    leader = FakeChannel(conv, org.people["leder"])
    (reply,) = conv.handle_message(IncomingMessage(user=leader.user, person_id=leader.person_id,
                                                   text="Gjennomgå RO-1", supports_forms=True))
    form = reply.form
    assert form is not None and form.form_id == "risk.review" and form.context == {"risk_id": str(r.id)}
    assert {f.name: f.initial for f in form.fields}["probability_before"] == "3"

    def submit(values: dict[str, str]):
        return conv.submit_form(Interaction(user=leader.user, person_id=leader.person_id, action_id="risk.review",
                                            values=values, context=form.context, supports_forms=True))

    with pytest.raises(ValidationFailed) as bad:
        submit({"probability_before": "3", "consequence_before": "3", "review_date": "i fjor"})
    assert "review_date" in bad.value.errors
    with pytest.raises(ValidationFailed):
        submit({"probability_before": "3", "consequence_before": "3", "review_date": "1.1.2020"})  # in the past
    session.expire_all()
    assert session.get(Risk, r.id).reviewed_at is None
    assert not session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_review_update")).all()
    replies = submit({"probability_before": "4", "consequence_before": "5", "review_date": "om 4 uker",
                      "comment": ""})
    assert "risikotall 20" in replies[0].text
    assert session.exec(select(RiskEscalation)).all()  # 20: the line above hears at once, as for a new risk


def test_only_the_units_leader_may_review_from_chat(session, org, conv):  # noqa: F811
    from models.tables import DialogState

    r, _reminder = _due_risk(session, org)
    for who in ("ansatt", "leder2"):
        answer = FakeChannel(conv, org.people[who]).say("gjennomgå risiko 1")
        assert "RO-1" in answer or "lederen" in answer.lower(), answer
        assert "1/4" not in answer
    assert session.exec(select(DialogState)).all() == []
    assert "Fant ingen risiko RO-99" in FakeChannel(conv, org.people["leder"]).say("gjennomgå risiko 99")
