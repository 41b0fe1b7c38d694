"""User-specific case cards in a Teams channel (Universal Actions `refresh`): the case's leader gets the
buttons, everyone else the status; a press by anyone else changes nothing, whatever verb they forge."""

from __future__ import annotations

import json

from sqlmodel import select

from models.tables import Avvik, Tiltak
from tests.teams.fakes import activity
from tests.teams.test_flows import AVVIK_INPUTS, Teams, card_of, inputs, texts
from tests.teams.test_flows import actions as all_actions

CHANNEL = "19:team-aurvoll@thread.tacv2;messageid=1700000000001"
CARD_ID = "1700000000999"  # the id Teams gave the shared card (the invoke's replyToId)
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def actions(card: dict) -> list[dict]:
    """The buttons a reader sees (the card's `refresh` is no button)."""
    return all_actions({k: v for k, v in card.items() if k != "refresh"})


def _in_channel(t: Teams, kind: str = "message", **kw):
    act = activity(kind, user=t.user, conv=CHANNEL, conv_type="channel", service_url=t.fake.service_url, **kw)
    return t.post(act)


def _execute(t: Teams, data: dict, inputs_: dict | None = None, *, trigger: str = "manual", **kw):
    value = {"action": {"type": "Action.Execute", "verb": data["trad"]["a"], "data": {**data, **(inputs_ or {})}},
             "trigger": trigger}
    return _in_channel(t, "invoke", name="adaptiveCard/action", value=value, replyToId=CARD_ID, **kw)


def _report(client, teams_env, org) -> Teams:
    """Kari (ansatt) reports AV-1 for Aurvoll skole in her personal chat."""
    t = Teams(client, teams_env, org)
    card = card_of(t.say("meld avvik")[0])
    t.invoke(next(a for a in card["actions"] if a["verb"] == "form.submit")["data"], AVVIK_INPUTS)
    return t


def _shared_card(client, teams_env, org) -> tuple[Teams, dict]:
    """Lise (leader of Aurvoll skole) asks for AV-1 in the team's channel: the card everyone gets."""
    leader = Teams(client, teams_env, org, key="leder")
    leader.say("hjelp")  # linked in her personal chat, so Tråd knows her Teams id
    n = len(teams_env.state.calls)
    assert _in_channel(leader, text="<at>Tråd</at> AV-1").status_code == 200
    (sent,) = leader.sent_since(n)
    return leader, card_of(sent)


def _refresh(t: Teams, card: dict) -> dict:
    r = _execute(t, card["refresh"]["action"]["data"], trigger="automatic")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["statusCode"] == 200 and body["type"] == ADAPTIVE
    return body["value"]


def test_the_shared_card_shows_the_status_and_asks_teams_to_refresh_it_for_the_leader(client, teams_env, org):
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    assert "AV-1" in texts(card) and "Meldt" in texts(card)
    assert actions(card) == []  # nobody sees a button on the card as posted
    refresh = card["refresh"]
    assert refresh["action"]["type"] == "Action.Execute" and refresh["action"]["verb"] == "case.refresh"
    assert refresh["userIds"] == [leader.user]


def test_the_leader_sees_the_actions_others_the_status_only(client, teams_env, org):
    reporter = _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    mine = _refresh(leader, card)
    assert [a["title"] for a in actions(mine)] == ["Ta saken", "Legg til tiltak", "Lukk"]
    assert all(a["data"]["trad"]["c"] == "avvik:1" for a in actions(mine))
    assert mine["refresh"]["userIds"] == [leader.user]  # the refresh stays on the leader's card
    seen = _refresh(reporter, card)  # the reporter may read the case, not act on it
    assert actions(seen) == [] and "AV-1" in texts(seen) and "Meldt" in texts(seen)
    other = Teams(client, teams_env, org, key="ansatt2")  # another school: may not even read it
    theirs = _refresh(other, card)
    assert actions(theirs) == [] and "Meldt" in texts(theirs)
    assert "glatt" not in texts(theirs).lower() and "Aurvoll" not in texts(theirs)


def test_take_from_the_card_updates_it_for_the_leader_and_everyone(client, teams_env, org, session):
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    take = next(a for a in actions(_refresh(leader, card)) if a["title"] == "Ta saken")["data"]
    n = len(teams_env.state.calls)
    r = _execute(leader, take)
    body = r.json()
    assert body["type"] == ADAPTIVE
    assert "Du har tatt saken AV-1" in texts(body["value"]) and "Under behandling" in texts(body["value"])
    assert [a["title"] for a in actions(body["value"])] == ["Legg til tiltak", "Lukk"]
    (update,) = [c for c in teams_env.state.calls[n:] if c["method"] == "PUT"]
    assert update["path"].endswith(f"/activities/{CARD_ID}")
    everyone = card_of(update["body"])
    assert "Under behandling" in texts(everyone) and actions(everyone) == [] and "refresh" in everyone
    session.expire_all()
    a = session.exec(select(Avvik)).one()
    assert a.status == "under_behandling" and a.assignee_id == org.people["leder"]


def test_add_tiltak_from_the_card_opens_the_form_for_the_leader_and_answers_the_updated_card(
        client, teams_env, org, session):
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    add = next(a for a in actions(_refresh(leader, card)) if a["title"] == "Legg til tiltak")["data"]
    form = _execute(leader, add).json()["value"]
    assert "description" in inputs(form)
    submit = next(a for a in actions(form) if a["verb"] == "form.submit")["data"]
    assert submit["trad"]["c"] == "avvik:1"
    bad = _execute(leader, submit, {"description": "", "owner_id": str(org.people["leder"])}).json()["value"]
    assert "description" in inputs(bad) and session.exec(select(Tiltak)).all() == []  # the form again, with errors
    done = _execute(leader, submit, {"description": "Strø gangen hver morgen", "deadline": "2099-01-31",
                                     "owner_id": str(org.people["leder"])}).json()["value"]
    assert "Tiltak iverksatt" in texts(done) and "Ta saken" not in [a["title"] for a in actions(done)]
    assert len(session.exec(select(Tiltak)).all()) == 1


def test_a_non_leader_cannot_act_even_by_forging_the_verb(client, teams_env, org, session):
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    leaders_card = _refresh(leader, card)
    other = Teams(client, teams_env, org, key="ansatt2")
    n = len(teams_env.state.calls)
    for title in ("Ta saken", "Lukk"):
        forged = next(a for a in actions(leaders_card) if a["title"] == title)["data"]
        body = _execute(other, forged).json()
        assert body["type"] == ADAPTIVE and actions(body["value"]) == []
        assert "Bare lederen for saken" in texts(body["value"])
    ctx = json.dumps({"avvik_id": "1"})
    submit = {"trad": {"a": "form.submit", "v": "avvik.close", "n": "x1", "ctx": ctx, "c": "avvik:1"}}
    body = _execute(other, submit, {"conclusion": "Ferdig", "effect_evaluation": "Bra"}).json()
    assert "Bare lederen for saken" in texts(body["value"])
    # a leader's own card cannot be pointed at another case either
    take_other = {"trad": {"a": "avvik.take", "v": "1", "c": "avvik:1"}}
    assert "Bare lederen" in texts(_execute(other, take_other).json()["value"])
    assert [c for c in teams_env.state.calls[n:] if c["method"] == "PUT"] == []  # nobody's card changed
    session.expire_all()
    a = session.exec(select(Avvik)).one()
    assert a.status == "meldt" and a.assignee_id is None and session.exec(select(Tiltak)).all() == []


def test_a_press_for_another_case_than_the_cards_is_refused(client, teams_env, org, session):
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    body = _execute(leader, {"trad": {"a": "avvik.take", "v": "999", "c": "avvik:1"}}).json()
    assert "Bare lederen" in texts(body["value"])
    session.expire_all()
    assert session.exec(select(Avvik)).one().assignee_id is None


def test_another_tenant_or_a_forged_token_is_refused_and_nothing_changes(client, teams_env, org, session):
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    take = next(a for a in actions(_refresh(leader, card)) if a["title"] == "Ta saken")["data"]
    assert _execute(leader, take, tenant="ffffffff-0000-0000-0000-000000000000").status_code == 401
    value = {"action": {"type": "Action.Execute", "verb": "avvik.take", "data": take}, "trigger": "manual"}
    act = activity("invoke", user=leader.user, conv=CHANNEL, conv_type="channel", service_url=teams_env.service_url,
                   name="adaptiveCard/action", value=value, replyToId=CARD_ID)
    forged = teams_env.token(aud="someone-else")
    r = client.post("/api/messages", json=act, headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    session.expire_all()
    a = session.exec(select(Avvik)).one()
    assert a.status == "meldt" and a.assignee_id is None


def test_the_refusal_speaks_the_readers_language(client, teams_env, org):
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    take = next(a for a in actions(_refresh(leader, card)) if a["title"] == "Ta saken")["data"]
    other = Teams(client, teams_env, org, key="ansatt2")
    assert "Berre leiaren for saka" in texts(_execute(other, take, locale="nn-NO").json()["value"])
    assert "Only the case's leader" in texts(_execute(other, take, locale="en-US").json()["value"])


def test_a_list_in_the_channel_shows_no_leader_buttons(client, teams_env, org):
    _report(client, teams_env, org)
    leader = Teams(client, teams_env, org, key="leder")
    leader.say("hjelp")
    mine = card_of(leader.say("enhetens avvik")[0])  # in her personal chat: the buttons as before
    assert "Ta saken" in [a["title"] for a in actions(mine)]
    n = len(teams_env.state.calls)
    assert _in_channel(leader, text="<at>Tråd</at> enhetens avvik").status_code == 200
    shared = card_of(leader.sent_since(n)[0])
    assert "AV-1" in texts(shared) and actions(shared) == []
