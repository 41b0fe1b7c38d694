"""Issue 12, point 2: a conversation that understands people.

Free text describing an incident gets an avvik offer with the text filled in; English commands
work; a stale or interrupted dialog ends cleanly and the new command runs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.conversation.intents import parse
from bot.conversation.understanding import detect_incident
from models.tables import Avvik, DialogState
from models.tables._common import utcnow
from tests.test_conversation import FakeChannel, conv  # noqa: F401 - the fixture

INCIDENTS = [
    ("det lekk vatn frå taket i gymsalen", "lekkasje"),
    ("pasienten fekk feil medisin", "feil medisin"),
    ("ein bebuar datt i trappa i går", "fall"),
    ("a resident fell in the bathroom", "fall"),
    ("There is a fire in the kitchen", "brann"),
    ("the patient was given the wrong medication", "feil medisin"),
    ("en beboer falt på badet", "fall"),
    ("En elev truet en lærer med kniv", "trussel"),
    ("Beboer ble slått av en annen beboer i fellesstua", "vold"),
]
NOT_INCIDENTS = [
    "hei", "god morgen", "takk for hjelpen", "mine avvik", "vis avvik 12", "hva er fall i nærvær?",
    "i så fall er det greit", "fire elever var på tur i dag",  # «fire» is four in Norwegian
    "kva gjer eg om nokon fell?", "korleis melder eg ein lekkasje", "PC-en ble slått av",
    "how do I report a leak?", "show my deviations", "hello there", "I fell asleep on the bus",
    "sett oppdrag 12 til 50 %",
]


@pytest.mark.parametrize("text,kind", INCIDENTS)
def test_incidents_are_noticed_in_three_languages_with_the_reason(text: str, kind: str) -> None:
    found = detect_incident(text)
    assert found is not None and found.kind == kind
    assert found.matched in text.lower()


@pytest.mark.parametrize("text", NOT_INCIDENTS)
def test_greetings_questions_and_commands_are_not_incidents(text: str) -> None:
    assert detect_incident(text) is None


def test_incident_text_gets_an_avvik_offer_with_the_text_filled_in(session, org, conv) -> None:  # noqa: F811
    chat = FakeChannel(conv, org.people["ansatt"])
    replies = conv.handle_message(_msg(chat, "det lekk vatn frå taket i gymsalen"))
    out = "\n".join(r.text for r in replies)
    assert "skjønte jeg ikke" not in out and "avvik" in out and "«lekk»" in out
    button = replies[-1].actions[0]
    assert button.action_id == "avvik.open_form" and button.value == "det lekk vatn frå taket i gymsalen"
    # «ja» starts the avvik form with the description filled in
    started = chat.say("ja")
    assert "1/8 Kategori" in started
    chat.say("1")
    assert "det lekk vatn frå taket i gymsalen" in chat.say("samme")  # the unit step shows the description next
    # the button does the same (Slack/Teams), as a form with the description as its initial value
    form = conv.handle_action(_press(chat, "avvik.open_form", "a resident fell in the bathroom"))[0].form
    assert form is not None
    assert next(f for f in form.fields if f.name == "description").initial == "a resident fell in the bathroom"


def test_an_ignored_offer_does_not_swallow_the_next_message(session, org, conv) -> None:  # noqa: F811
    chat = FakeChannel(conv, org.people["ansatt"])
    assert "avvik" in chat.say("en beboer falt på badet")
    assert "Dine åpne avvik" in chat.say("mine avvik") or "ingen åpne avvik" in chat.say("mine avvik")
    assert session.exec(select(DialogState)).all() == []
    assert "skjønte jeg ikke" in chat.say("blah blah blah")


@pytest.mark.parametrize("text,intent", [
    ("help", "help"), ("report deviation", "report_avvik"), ("report incident", "report_avvik"),
    ("new deviation", "report_avvik"), ("my deviations", "my_avvik"), ("my closed deviations", "my_closed_avvik"),
    ("checklist", "checklist"), ("checklists", "checklist"), ("assignments", "my_oppdrag"),
    ("my assignments", "my_oppdrag"), ("scorecard", "styringskort"), ("whistleblow", "varsle"),
    ("register indicators", "register_indicators"), ("new risk", "new_risk"), ("thank you", "thanks"),
    ("mine lukkede avvik", "my_closed_avvik"), ("mine avvik", "my_avvik"),
])
def test_english_commands_map_to_the_same_intents(text: str, intent: str) -> None:
    assert parse(text).name == intent


def test_english_commands_run_in_chat(session, org, conv) -> None:  # noqa: F811
    chat = FakeChannel(conv, org.people["leder"])
    assert "1/8" in chat.say("report deviation")
    chat.say("cancel")
    assert "Oppdrag 12" in chat.say("my assignments")
    assert "Er vernerunde gjennomført?" in chat.say("checklist")
    assert "/varsling" in chat.say("whistleblow")


def _start_avvik_dialog(chat: FakeChannel) -> None:
    chat.say("meld avvik")
    chat.say("1")
    chat.say("samme")
    chat.say("Inngangen")  # description
    chat.say("i dag 10:15")  # now at «Hvor skjedde det?»


def test_stale_dialog_ends_and_the_new_command_runs(session, org, conv) -> None:  # noqa: F811
    """AV-475: «eg vil melde avvik» in a stale dialog was stored as the place; now it starts a new report."""
    chat = FakeChannel(conv, org.people["ansatt"])
    _start_avvik_dialog(chat)
    row = session.exec(select(DialogState)).one()
    row.updated_at = utcnow() - timedelta(minutes=31)
    session.add(row)
    session.commit()
    out = chat.say("eg vil melde avvik")
    assert "over 30 minutter" in out and "1/8 Kategori" in out
    state = session.exec(select(DialogState)).one()
    session.refresh(state)
    assert state.step == 0 and state.data["values"] == {}
    assert session.exec(select(Avvik)).all() == []


def test_a_new_command_ends_a_fresh_dialog_too(session, org, conv) -> None:  # noqa: F811
    chat = FakeChannel(conv, org.people["ansatt"])
    _start_avvik_dialog(chat)
    out = chat.say("mine avvik")  # was stored as the place
    assert "avsluttet den uferdige dialogen" in out and "åpne avvik" in out
    assert session.exec(select(DialogState)).all() == []
    assert session.exec(select(Avvik)).all() == []


def test_answers_that_look_a_bit_like_commands_stay_answers(session, org, conv) -> None:  # noqa: F811
    chat = FakeChannel(conv, org.people["ansatt"])
    chat.say("meld avvik")
    assert "2/8" in chat.say("1")  # a number picks the category, never a command
    chat.say("samme")
    assert "4/8" in chat.say("avvik i gymsalen da eleven skled")
    state = session.exec(select(DialogState)).one()
    assert state.data["values"]["description"] == "avvik i gymsalen da eleven skled"


def _msg(chat: FakeChannel, text: str):  # type: ignore[no-untyped-def]
    from bot.conversation.channel import IncomingMessage

    return IncomingMessage(user=chat.user, person_id=chat.person_id, text=text)


def _press(chat: FakeChannel, action_id: str, value: str):  # type: ignore[no-untyped-def]
    from bot.conversation.channel import Interaction

    return Interaction(user=chat.user, person_id=chat.person_id, action_id=action_id, value=value,
                       supports_forms=True)


def test_the_checklist_nei_dialog_is_worded_plainly(session, org, conv) -> None:  # noqa: F811
    """Before: «Sjekkpunkt: nei: jeg spør deg steg for steg.»"""
    chat = FakeChannel(conv, org.people["leder"])
    out = chat.press("check.nei", f"{org.units['Oppvekst/Aurvoll skole']}:{org.items[1]}")
    assert "«Sjekkpunkt ikke oppfylt» – jeg spør deg steg for steg." in out
    assert "nei:" not in out.lower()


@pytest.mark.parametrize("locale,expected", [("nb", "Meld som avvik"), ("nn", "ei hending (fall: «datt»)"),
                                             ("en", "Report as deviation")])
def test_the_offer_speaks_the_persons_language(locale: str, expected: str) -> None:
    from bot.conversation.understanding import offer_reply
    from models.i18n import use_locale

    text = "ein bebuar datt i trappa"
    found = detect_incident(text)
    assert found is not None
    with use_locale(locale):
        reply = offer_reply(text, found, text_channel=True)
    assert expected in reply.text + reply.actions[0].label
