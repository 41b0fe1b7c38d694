"""Issue 12, point 3: closing an avvik whose tiltak are still open warns the leader and needs a stored reason."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models.errors import ValidationFailed
from models.services import avvik as svc
from models.services import avvik_close
from models.tables import Avvik, AvvikEvent
from tests.test_avvik_service import _input
from tests.test_conversation import FakeChannel, conv  # noqa: F401 - the fixture


def _avvik_with_open_tiltak(session, org) -> Avvik:  # type: ignore[no-untyped-def]
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    svc.add_tiltak(session=session, actor_id=org.people["leder"], avvik_id=int(a.id or 0),
                   description="Strø trappa hver morgen", owner_id=org.people["leder"], deadline=date(2099, 1, 1))
    return a


def test_domain_refuses_to_close_with_open_tiltak_without_a_reason_and_stores_it(session, org) -> None:
    a = _avvik_with_open_tiltak(session, org)
    leader = org.people["leder"]
    with pytest.raises(ValidationFailed) as exc:
        svc.close_avvik(session=session, actor_id=leader, avvik_id=int(a.id or 0), conclusion="Ferdig nok",
                        effect_evaluation="Bedre")
    assert "open_tiltak_reason" in exc.value.errors and "1 åpne tiltak" in exc.value.errors["open_tiltak_reason"]
    session.refresh(a)
    assert a.status != "lukket"
    closed = svc.close_avvik(session=session, actor_id=leader, avvik_id=int(a.id or 0), conclusion="Ferdig nok",
                             effect_evaluation="Bedre", open_tiltak_reason="Tiltaket følges opp i HMS-planen")
    assert closed.status == "lukket"
    assert avvik_close.close_reason(session, int(a.id or 0)) == "Tiltaket følges opp i HMS-planen"


def test_no_reason_is_asked_when_every_tiltak_is_done(session, org) -> None:
    a = _avvik_with_open_tiltak(session, org)
    for t in avvik_close.open_tiltak(session, int(a.id or 0)):
        svc.complete_tiltak(session=session, actor_id=org.people["leder"], tiltak_id=int(t.id or 0))
    closed = svc.close_avvik(session=session, actor_id=org.people["leder"], avvik_id=int(a.id or 0),
                             conclusion="Ferdig", effect_evaluation="Virker")
    assert closed.status == "lukket"
    assert session.exec(select(AvvikEvent).where(AvvikEvent.kind == avvik_close.EVENT_KIND)).all() == []


def test_chat_warns_and_asks_for_the_reason_before_closing(session, org, conv) -> None:  # noqa: F811
    a = _avvik_with_open_tiltak(session, org)
    chat = FakeChannel(conv, org.people["leder"])
    out = chat.press("avvik.close", str(a.id))
    assert "Advarsel: 1 tiltak er ikke utført" in out and "Strø trappa hver morgen" in out
    assert "2/3" in chat.say("Tiltaket følges opp i HMS-planen")
    chat.say("Trappa er strødd")
    assert "stemmer dette" in chat.say("Ingen nye fall")
    assert "lukket" in chat.say("send")
    session.refresh(a)
    assert a.status == "lukket"
    assert avvik_close.close_reason(session, int(a.id or 0)) == "Tiltaket følges opp i HMS-planen"


def test_mine_lukkede_avvik_shows_what_mine_avvik_hides(session, org, conv) -> None:  # noqa: F811
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input(description="Glatt trapp ved SFO"))
    svc.close_avvik(session=session, actor_id=org.people["leder"], avvik_id=int(a.id or 0), conclusion="Strødd",
                    effect_evaluation="Virker")
    chat = FakeChannel(conv, org.people["ansatt"])
    mine = chat.say("mine avvik")
    assert f"AV-{a.number}" not in mine and "mine lukkede avvik" in mine
    assert f"AV-{a.number}" in chat.say("mine lukkede avvik")
    assert f"AV-{a.number}" in chat.say("my closed deviations")
    assert "ingen lukkede avvik" in FakeChannel(conv, org.people["ansatt2"], "U2").say("mine lukkede avvik")
