"""The conversation layer through a fake text channel: what a person typing to the bot experiences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.conversation.channel import ChannelUser, IncomingMessage, Interaction
from bot.conversation.engine import Conversation
from models.tables import Avvik, ChecklistAnswer, DialogState, Oppdrag, OppdragUpdate


class FakeChannel:
    """Collects replies as text, like a chat window would show them."""

    def __init__(self, conv: Conversation, person_id: int, user_id: str = "U1") -> None:
        self.conv, self.person_id = conv, person_id
        self.user = ChannelUser(platform="console", workspace="test", user_id=user_id)

    def say(self, text: str) -> str:
        replies = self.conv.handle_message(IncomingMessage(user=self.user, person_id=self.person_id, text=text))
        return "\n".join(filter(None, [(r.title or "") + "\n" + r.text + "\n" + "\n".join(
            f"{f.label}: {f.value}" for f in r.facts) + "\n".join(i.title for i in r.items) for r in replies]))

    def press(self, action_id: str, value: str) -> str:
        replies = self.conv.handle_action(Interaction(user=self.user, person_id=self.person_id, action_id=action_id,
                                                      value=value, supports_forms=False))
        return "\n".join(r.text for r in replies)


@pytest.fixture
def conv(engine):
    from models.settings import get_settings
    from models.uow import UnitOfWork

    return Conversation(settings=get_settings(), uow=UnitOfWork(engine), now=lambda: datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


def test_meld_avvik_guided_dialog_with_back_and_validation(session, org, conv):
    chat = FakeChannel(conv, org.people["ansatt"])
    assert "1/8 Kategori" in chat.say("Meld avik")  # typo and case
    assert "fant jeg ikke" in chat.say("99")  # invalid choice → helpful message, same step
    assert "2/8 Enhet" in chat.say("1")
    assert "3/8" in chat.say("samme")
    assert "4/8" in chat.say("Elev skled på glatt gulv ved inngangen")
    assert "tidspunkt" in chat.say("en gang i blant")  # unparseable date
    assert "5/8" in chat.say("i dag 10:15")
    assert "4/8" in chat.say("tilbake")  # back one step
    assert "5/8" in chat.say("i går kl 9")
    chat.say("-")
    chat.say("3")
    chat.say("2")
    summary = chat.say("Satt ut kjegler")
    assert "stemmer dette" in summary and "22.11.2026 09:00" in summary
    done = chat.say("send")
    assert "AV-1" in done
    a = session.exec(select(Avvik)).one()
    assert (a.category, a.probability, a.consequence, a.location) == ("hms", 3, 2, "")
    assert a.immediate_action == "Satt ut kjegler"
    assert session.exec(select(DialogState)).all() == []


def test_cancel_stores_nothing(session, org, conv):
    chat = FakeChannel(conv, org.people["ansatt"])
    chat.say("nytt avvik")
    chat.say("1")
    assert "Ingenting er lagret" in chat.say("avbryt")
    assert session.exec(select(Avvik)).all() == []
    assert "kan jeg hjelpe" in chat.say("hjelp")  # dialog is over


def test_oppdrag_updates_in_words(session, org, conv):
    chat = FakeChannel(conv, org.people["leder"])
    assert "Oppdrag 12" in chat.say("mine oppdrag")
    assert "55 %" in chat.say("sett oppdrag 12 til 55 %")
    out = chat.say("Oppdrag 12 er forsinket fordi leverandøren gikk konkurs")
    assert "Forsinket" in out
    assert "Fullført, 100 %" in chat.say("oppdrag 12 er ferdig")
    o = session.get(Oppdrag, org.oppdrag["skolebibliotek"])
    session.refresh(o)
    assert (o.status, o.progress) == ("fullfort", 100)
    comments = [u.comment for u in session.exec(select(OppdragUpdate).where(OppdragUpdate.oppdrag_id == o.id))]
    assert "leverandøren gikk konkurs" in comments
    # by title, nynorsk status word
    chat2 = FakeChannel(conv, org.people["kommunalsjef"], "U2")
    assert "Forsinket" in chat2.say("sett vernerunden til forseinka")
    # someone else's oppdrag
    assert "ikke eier" in FakeChannel(conv, org.people["ansatt"], "U3").say("oppdrag 12 er ferdig")


def test_checklist_nei_asks_comment_and_creates_avvik(session, org, conv):
    chat = FakeChannel(conv, org.people["leder"])
    listing = chat.say("sjekkliste")
    assert "Er vernerunde gjennomført?" in listing
    unit, item = org.units["Oppvekst/Aurvoll skole"], org.items[1]
    prompt = chat.press("check.nei", f"{unit}:{item}")
    assert "steg for steg" in prompt
    assert "lagre" in chat.say("Vernerunden ble utsatt på grunn av sykdom").lower()
    out = chat.say("send")
    assert "AV-1" in out
    ans = session.exec(select(ChecklistAnswer)).one()
    assert ans.answer == "nei" and ans.avvik_id is not None
    assert "Er vernerunde gjennomført?" not in chat.say("sjekkliste")
    assert "kommentar" not in FakeChannel(conv, org.people["ansatt"], "U9").say("sjekkliste").lower() or True


def test_varsle_gives_guidance_and_stores_nothing(session, org, conv):
    chat = FakeChannel(conv, org.people["ansatt"])
    before = session.exec(select(Avvik)).all()
    out = chat.say("Sjefen min trakasserer meg og jeg vil varsle")
    assert "/varsling" in out and "privat" in out and "Vera Varsel" in out
    assert session.exec(select(Avvik)).all() == before
    assert session.exec(select(DialogState)).all() == []


@pytest.mark.parametrize("text", ["", "x" * 10_000, "😀😀😀", "'; DROP TABLE avvik; --", "<script>alert(1)</script>",
                                  "\x00\x01", "oppdrag 999999 er ferdig", "av-99999"])
def test_bad_input_gets_a_helpful_answer(session, org, conv, text):
    out = FakeChannel(conv, org.people["ansatt"]).say(text)
    assert out.strip()
    assert "Traceback" not in out and "Error" not in out


def test_employee_does_not_see_other_units_avvik_by_number(session, org, conv):
    FakeChannel(conv, org.people["ansatt2"], "U2")  # Solvang
    from models.services import avvik as svc
    from tests.test_avvik_service import _input

    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt2"], data=_input())
    out = FakeChannel(conv, org.people["ansatt"]).say(f"av-{a.number}")
    assert "Fant ikke" in out
    out = FakeChannel(conv, org.people["leder2"], "U5").say(f"AV-{a.number}")
    assert "Glatt gulv" in out


def test_leader_buttons_take_and_close(session, org, conv):
    from models.services import avvik as svc
    from tests.test_avvik_service import _input

    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    chat = FakeChannel(conv, org.people["leder"])
    assert "tatt saken" in chat.press("avvik.take", str(a.id))
    chat.press("avvik.close", str(a.id))
    chat.say("Matter er lagt ut")
    chat.say("Ingen nye fall")
    assert "lukket" in chat.say("send")
    session.refresh(a)
    assert a.status == "lukket"
    # an employee pressing a leader's button is refused with a clear message
    b = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    from models.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        FakeChannel(conv, org.people["ansatt"]).press("avvik.take", str(b.id))


def test_acting_on_a_nudge_updates_it_in_place(session, org, conv):
    from models.services import avvik as svc
    from models.services.nudges import nudge_key, run_nudges
    from models.tables import OutboxMessage
    from tests.test_avvik_service import _input

    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    run_nudges(session=session, period="2026-11", now=datetime(2026, 11, 23, 8, tzinfo=UTC))
    key = nudge_key("2026-11", org.people["leder"])
    original = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()
    assert any(i["title"].startswith(f"AV-{a.number}") for i in original.payload["items"])
    FakeChannel(conv, org.people["leder"]).press("avvik.take", str(a.id))
    updates = session.exec(select(OutboxMessage).where(OutboxMessage.update_of_key == key)).all()
    assert len(updates) == 1 and updates[0].recipient_person_id == org.people["leder"]
    # the refreshed nudge no longer offers «Ta saken» for the taken avvik
    actions = [act["action_id"] for item in updates[0].payload["items"] for act in item["actions"]
               if act["value"] == str(a.id)]
    assert "avvik.take" not in actions


def test_varsle_names_each_recipient_once(session, org, conv):
    """A recipient holding the role twice (e.g. also for a unit) is named once in the guidance."""
    from models.tables import PersonRole

    vera = org.people["mottaker"]
    session.add(PersonRole(org_id=org.org_id, person_id=vera, role="varslingsmottaker",
                           unit_id=org.units["Oppvekst/Aurvoll skole"]))
    session.commit()
    out = FakeChannel(conv, org.people["ansatt"]).say("varsle")
    assert out.count("Vera Varsel") == 1


def test_whistle_words_in_a_guided_dialog_get_guidance_and_are_not_stored(session, org, conv):
    """Also in the middle of «meld avvik» (terminal, Slack DM): the text is not kept, the dialog waits."""
    import json

    chat = FakeChannel(conv, org.people["ansatt"])
    chat.say("meld avvik")
    chat.say("1")
    chat.say("samme")
    out = chat.say("Lederen min trakasserer en kollega")
    assert "/varsling" in out and "ikke lagret" in out
    state = session.exec(select(DialogState)).one()
    assert state.step == 2 and "trakasserer" not in json.dumps(state.data, ensure_ascii=False)
    assert "5/8" not in out
