"""The user flows in Teams, end to end: signed activity in, Adaptive Card out through the fake connector."""

from __future__ import annotations

import json

from sqlmodel import select

from models.tables import Avvik, ChatIdentity, ChecklistAnswer, InboundEvent, Oppdrag, Tiltak
from tests.teams.fakes import TENANT, activity


class Teams:
    """A Teams client for one user: sends signed activities, reads what the bot sent back."""

    def __init__(self, client, fake, org, key: str = "ansatt", user: str | None = None) -> None:
        self.client, self.fake, self.org = client, fake, org
        self.user = user or f"29:user-{key}"
        self.conv = f"a:personal-{key}"
        fake.state.members[self.user] = {"id": self.user, "name": key, "email": org.emails[key],
                                         "userPrincipalName": org.emails[key]}

    def post(self, act: dict):
        token = self.fake.token(service_url=act["serviceUrl"])
        return self.client.post("/api/messages", json=act, headers={"Authorization": f"Bearer {token}"})

    def say(self, text: str, **kw):
        n = len(self.fake.state.calls)
        act = activity(text=text, user=self.user, conv=self.conv, service_url=self.fake.service_url, **kw)
        r = self.post(act)
        assert r.status_code == 200, r.text
        return self.sent_since(n)

    def sent_since(self, n: int) -> list[dict]:
        return [c["body"] for c in self.fake.state.calls[n:] if "/activities" in c["path"] and c["status"] == 200]

    def invoke(self, data: dict, inputs: dict | None = None, activity_id: str | None = None):
        value = {"action": {"type": "Action.Execute", "verb": data["trad"]["a"], "data": {**data, **(inputs or {})}},
                 "trigger": "manual"}
        act = activity("invoke", user=self.user, conv=self.conv, service_url=self.fake.service_url, value=value,
                       name="adaptiveCard/action", activity_id=activity_id)
        r = self.post(act)
        assert r.status_code == 200, r.text
        return r.json()

    def submit(self, data: dict, inputs: dict | None = None, reply_to: str | None = None):
        """The Action.Submit fallback: a message activity carrying `value`."""
        n = len(self.fake.state.calls)
        act = activity(user=self.user, conv=self.conv, service_url=self.fake.service_url,
                       value={**data, **(inputs or {})}, reply_to=reply_to)
        assert self.post(act).status_code == 200
        return [c for c in self.fake.state.calls[n:] if "/activities" in c["path"]]


def card_of(activity_body: dict) -> dict:
    return activity_body["attachments"][0]["content"]


def walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def texts(card: dict) -> str:
    return "\n".join(n.get("text", "") for n in walk(card) if n.get("type") == "TextBlock") + "\n" + "\n".join(
        f"{f['title']}: {f['value']}" for n in walk(card) if n.get("type") == "FactSet" for f in n["facts"])


def actions(card: dict) -> list[dict]:
    return [n for n in walk(card) if n.get("type") == "Action.Execute"]


def button(card: dict, title: str) -> dict:
    return next(a for a in actions(card) if a["title"] == title)["data"]


def inputs(card: dict) -> dict[str, dict]:
    return {n["id"]: n for n in walk(card) if str(n.get("type", "")).startswith("Input.")}


AVVIK_INPUTS = {"category": "hms", "description": "Gulvet i gangen var glatt <b>*farlig*</b>",
                "occurred_at__date": "2026-11-20", "occurred_at__time": "09:15", "location": "Gangen",
                "probability": "3", "consequence": "2", "immediate_action": ""}


def _form(t: Teams) -> dict:
    sent = t.say("meld avvik")
    assert len(sent) == 1
    card = card_of(sent[0])
    return card


def test_unknown_user_gets_a_polite_answer_and_nothing_is_linked(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    teams_env.state.members[t.user]["email"] = "ukjent@annen.no"
    teams_env.state.members[t.user]["userPrincipalName"] = "ukjent@annen.no"
    sent = t.say("hjelp")
    assert "finner deg ikke" in texts(card_of(sent[0]))
    assert session.exec(select(ChatIdentity)).all() == []


def test_identity_is_looked_up_once_and_cached(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    t.say("hjelp")
    t.say("mine oppdrag")
    lookups = [c for c in teams_env.state.calls if "/members/" in c["path"]]
    assert len(lookups) == 1
    ident = session.exec(select(ChatIdentity)).one()
    assert ident.person_id == org.people["ansatt"] and ident.workspace == TENANT
    assert ident.conversation_ref["conversationId"] == t.conv


def test_avvik_form_card_and_submit_via_action_execute(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    card = _form(t)
    fields = inputs(card)
    assert fields["category"]["type"] == "Input.ChoiceSet"
    assert fields["description"]["type"] == "Input.Text" and fields["description"]["isMultiline"] is True
    assert fields["occurred_at__date"]["type"] == "Input.Date"
    assert fields["occurred_at__time"]["type"] == "Input.Time"
    submit = actions(card)[0]
    assert submit["fallback"]["type"] == "Action.Submit" and submit["fallback"]["data"] == submit["data"]
    resp = t.invoke(submit["data"], AVVIK_INPUTS)
    assert resp["statusCode"] == 200 and resp["type"] == "application/vnd.microsoft.card.adaptive"
    assert "AV-1" in texts(resp["value"])
    a = session.exec(select(Avvik)).one()
    assert a.category == "hms" and a.probability == 3 and a.reporter_id == org.people["ansatt"]
    assert a.description.startswith("Gulvet i gangen var glatt <b>*farlig*</b>")
    # the same card submitted twice (double click, new activity id) does not make a second avvik
    t.invoke(submit["data"], AVVIK_INPUTS)
    assert len(session.exec(select(Avvik)).all()) == 1


def test_redelivered_activity_is_handled_once(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    submit = actions(_form(t))[0]
    first = t.invoke(submit["data"], AVVIK_INPUTS, activity_id="f:same-id")
    n = len(teams_env.state.calls)
    again = t.invoke({**submit["data"], "trad": {**submit["data"]["trad"], "n": "other-nonce"}}, AVVIK_INPUTS,
                     activity_id="f:same-id")
    assert "AV-1" in texts(first["value"])
    assert again["type"] == "application/vnd.microsoft.activity.message"
    assert len(session.exec(select(Avvik)).all()) == 1
    assert teams_env.state.calls[n:] == []
    # a redelivered message activity is not answered twice either
    act = activity(text="hjelp", user=t.user, conv=t.conv, service_url=teams_env.service_url, activity_id="f:msg-1")
    t.post(act)
    n = len(teams_env.state.calls)
    t.post(act)
    assert teams_env.state.calls[n:] == []
    assert session.exec(select(InboundEvent).where(InboundEvent.event_id.like("%f:msg-1"))).one().status == "done"


def test_validation_errors_are_shown_next_to_the_inputs_and_values_kept(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    submit = actions(_form(t))[0]
    bad = {**AVVIK_INPUTS, "probability": "9", "occurred_at__date": ""}
    resp = t.invoke(submit["data"], bad)
    card = resp["value"]
    body = card["body"]
    ids = [b.get("id") for b in body]
    prob = ids.index("probability")
    assert body[prob + 1]["color"] == "Attention" and "1 til 5" in body[prob + 1]["text"]
    assert inputs(card)["description"]["value"] == AVVIK_INPUTS["description"]
    assert session.exec(select(Avvik)).all() == []
    # the corrected card (same nonce) goes through
    resp = t.invoke(actions(card)[0]["data"], AVVIK_INPUTS)
    assert "AV-1" in texts(resp["value"])


def test_action_submit_fallback_updates_the_form_card_in_place(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    submit = actions(_form(t))[0]["fallback"]
    calls = t.submit(submit["data"], AVVIK_INPUTS, reply_to="act-form")
    assert calls[0]["method"] == "PUT" and calls[0]["path"].endswith("/activities/act-form")
    assert "AV-1" in texts(card_of(calls[0]["body"]))
    assert len(session.exec(select(Avvik)).all()) == 1


def test_text_is_escaped_in_cards(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    submit = actions(_form(t))[0]
    t.invoke(submit["data"], {**AVVIK_INPUTS, "description": "**fet** [lenke](https://evil.example) _x_ {{DATE(2026-01-01T00:00:00Z)}}"})
    leader = Teams(client, teams_env, org, key="leder")
    card = card_of(leader.say("enhetens avvik")[0])
    shown = texts(card)
    assert "\\*\\*fet\\*\\*" in shown and "\\[lenke\\]\\(https://evil.example\\)" in shown
    assert "{{DATE" not in shown


def test_leader_takes_adds_tiltak_and_closes(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    t.invoke(actions(_form(t))[0]["data"], AVVIK_INPUTS)
    leader = Teams(client, teams_env, org, key="leder")
    card = card_of(leader.say("enhetens avvik")[0])
    resp = leader.invoke(button(card, "Ta saken"))
    assert resp["type"] == "application/vnd.microsoft.activity.message" and "AV-1" in resp["value"]
    session.expire_all()
    assert session.exec(select(Avvik)).one().status == "under_behandling"

    n = len(teams_env.state.calls)
    resp = leader.invoke(button(card, "Legg til tiltak"))
    form = card_of(leader.sent_since(n)[0])
    assert inputs(form)["deadline"]["type"] == "Input.Date"
    resp = leader.invoke(actions(form)[0]["data"], {"description": "Strø gangen", "owner_id": str(org.people["leder"]),
                                                    "deadline": "2027-01-15"})
    assert "15.01.2027" in texts(resp["value"])
    assert session.exec(select(Tiltak)).one().description == "Strø gangen"

    n = len(teams_env.state.calls)
    leader.invoke(button(card, "Lukk"))
    form = card_of(leader.sent_since(n)[0])
    assert "open_tiltak_reason" in inputs(form)  # «Strø gangen» is open: the card warns and asks why (issue 12)
    resp = leader.invoke(actions(form)[0]["data"], {"conclusion": "Strødd og merket.",
                                                    "effect_evaluation": "Ingen nye fall.",
                                                    "open_tiltak_reason": "Strøinga blir ein fast rutine"})
    assert "lukket" in texts(resp["value"])
    session.expire_all()
    assert session.exec(select(Avvik)).one().status == "lukket"


def test_employee_cannot_use_leader_buttons(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    t.invoke(actions(_form(t))[0]["data"], AVVIK_INPUTS)
    a = session.exec(select(Avvik)).one()
    other = Teams(client, teams_env, org, key="ansatt2")
    resp = other.invoke({"trad": {"a": "avvik.take", "v": str(a.id)}})
    assert resp["type"] == "application/vnd.microsoft.activity.message"
    session.expire_all()
    assert session.exec(select(Avvik)).one().status == "meldt"


def test_checklist_ja_and_nei_with_comment_makes_avvik(client, teams_env, org, session):
    leader = Teams(client, teams_env, org, key="leder")
    card = card_of(leader.say("sjekkliste")[0])
    ja = [a["data"] for a in actions(card) if a["title"] == "Ja"]
    nei = [a["data"] for a in actions(card) if a["title"] == "Nei"]
    assert len(ja) == 2
    assert "Ja" in leader.invoke(ja[0])["value"]
    n = len(teams_env.state.calls)
    leader.invoke(nei[1])
    form = card_of(leader.sent_since(n)[0])
    resp = leader.invoke(actions(form)[0]["data"], {"comment": "Vernerunden er ikke gjennomført i år."})
    assert "AV-1" in texts(resp["value"])
    answers = session.exec(select(ChecklistAnswer)).all()
    assert sorted(a.answer for a in answers) == ["ja", "nei"]
    assert session.exec(select(Avvik)).one().description.startswith("Vernerunden")


def test_oppdrag_list_and_update_card(client, teams_env, org, session):
    leader = Teams(client, teams_env, org, key="leder")
    card = card_of(leader.say("mine oppdrag")[0])
    assert "Oppdrag 12" in texts(card)
    n = len(teams_env.state.calls)
    leader.invoke(button(card, "Oppdater"))
    form = card_of(leader.sent_since(n)[0])
    assert inputs(form)["progress"]["type"] == "Input.Number"
    resp = leader.invoke(actions(form)[0]["data"], {"status": "pagar", "progress": "40", "comment": ""})
    assert "40 %" in texts(resp["value"])
    session.expire_all()
    assert session.get(Oppdrag, org.oppdrag["skolebibliotek"]).progress == 40


def test_free_text_in_personal_chat(client, teams_env, org, session):
    leader = Teams(client, teams_env, org, key="leder")
    sent = leader.say("sett oppdrag 12 til 70 %")
    assert "70 %" in texts(card_of(sent[0]))
    session.expire_all()
    assert session.get(Oppdrag, org.oppdrag["skolebibliotek"]).progress == 70


def test_varsle_gives_guidance_and_stores_nothing(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    t.say("hjelp")  # link the identity first
    before = {tbl: len(session.exec(select(tbl)).all()) for tbl in (Avvik, ChatIdentity)}
    sent = t.say("varsle")
    card = card_of(sent[0])
    assert "/varsling" in json.dumps(card)
    assert any(n.get("type") == "Action.OpenUrl" for n in walk(card))
    session.expire_all()
    assert {tbl: len(session.exec(select(tbl)).all()) for tbl in (Avvik, ChatIdentity)} == before
    from models.tables import DialogState
    assert session.exec(select(DialogState)).all() == []


def test_channel_mention_is_stripped_and_answered_in_thread(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    act = activity(text="<at>Tråd</at> mine oppdrag", user=t.user, conv="19:abc@thread.tacv2;messageid=1",
                   conv_type="channel", service_url=teams_env.service_url, activity_id="1700000000001")
    assert t.post(act).status_code == 200
    posted = [c for c in teams_env.state.calls if "/activities" in c["path"]]
    assert posted[0]["path"].endswith("/activities/1700000000001")
    assert "ingen åpne oppdrag" in texts(card_of(posted[0]["body"]))


def test_install_and_uninstall_store_and_retire_the_reference(client, teams_env, org, session):
    t = Teams(client, teams_env, org, key="leder")
    add = activity("installationUpdate", user=t.user, conv=t.conv, service_url=teams_env.service_url, action="add")
    assert t.post(add).status_code == 200
    ident = session.exec(select(ChatIdentity)).one()
    assert ident.active and ident.conversation_ref["conversationId"] == t.conv
    assert ident.person_id == org.people["leder"]
    assert teams_env.state.activities("POST")  # a welcome card
    remove = activity("installationUpdate", user=t.user, conv=t.conv, service_url=teams_env.service_url,
                      action="remove")
    assert t.post(remove).status_code == 200
    session.expire_all()
    ident = session.exec(select(ChatIdentity)).one()
    assert not ident.active and ident.conversation_ref is None


def test_team_install_stores_the_channel_reference(client, teams_env, org, session):
    t = Teams(client, teams_env, org, key="leder")
    act = activity("conversationUpdate", user=t.user, conv="19:leiing@thread.tacv2", conv_type="channel",
                   service_url=teams_env.service_url, membersAdded=[{"id": "28:" + "x"}, {"id": activity(
                       service_url="x")["recipient"]["id"]}])
    assert t.post(act).status_code == 200
    ident = session.exec(select(ChatIdentity)).one()
    assert ident.user_id == "19:leiing@thread.tacv2" and ident.person_id is None


def test_reply_goes_to_outbox_when_teams_keeps_throttling(client, teams_env, org, session):
    from models.tables import OutboxMessage

    t = Teams(client, teams_env, org)
    t.say("hjelp")
    teams_env.state.fail_next = [(429, {"Retry-After": "0"}), (429, {"Retry-After": "0"})]
    t.say("mine avvik")
    row = session.exec(select(OutboxMessage)).one()
    assert row.platform == "teams" and row.recipient_person_id == org.people["ansatt"]
    assert "ingen åpne avvik" in row.payload["text"]


def test_risk_review_from_the_reminders_button_is_a_card_form(client, teams_env, org, session):
    """Issue 11: «Gjennomgå» on the review reminder opens a card (scores, comment, next date); errors keep the card."""
    from datetime import date, timedelta

    from models.services import governance_reminders
    from models.services import risk as risk_svc
    from models.tables import OutboxMessage, Risk

    r = risk_svc.add_risk(session=session, actor_id=org.people["leder"], data=risk_svc.RiskInput(
        title="Glatt trapp", description="Is om vinteren", probability_before=3, consequence_before=3,
        treatment="reduce", review_date=date.today() + timedelta(days=3)))
    governance_reminders.send_risk_review_reminders(session=session)
    session.commit()
    leader = Teams(client, teams_env, org, key="leder")
    n = len(teams_env.state.calls)
    leader.invoke({"trad": {"a": "risk.review", "v": str(r.id)}})
    form = card_of(leader.sent_since(n)[0])
    assert {"probability_before", "consequence_before", "comment", "review_date"} <= set(inputs(form))
    assert inputs(form)["review_date"]["type"] == "Input.Date" and "RO-1" in json.dumps(form, ensure_ascii=False)
    again = leader.invoke(actions(form)[0]["data"], {"probability_before": "3", "consequence_before": "3",
                                                     "review_date": "2020-01-01"})
    assert again["type"] == "application/vnd.microsoft.card.adaptive" and "review_date" in inputs(again["value"])
    later = (date.today() + timedelta(weeks=8)).isoformat()
    resp = leader.invoke(actions(form)[0]["data"], {"probability_before": "4", "consequence_before": "2",
                                                    "comment": "**Ny** vurdering", "review_date": later})
    assert "risikotall 8" in texts(resp["value"])
    session.expire_all()
    assert session.get(Risk, r.id).risk_before == 8
    assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_review_update")).one()
