"""The message extension «Meld avvik fra denne meldingen» and the welcome card, with signed invoke activities."""

from __future__ import annotations

from sqlmodel import select

from bot.teams.extension import COMMAND_ID
from models.tables import Avvik
from tests.teams.fakes import activity
from tests.teams.test_flows import AVVIK_INPUTS, Teams, card_of, inputs, texts

MESSAGE_HTML = ('<p>Hei <at id="0">Kari Leder</at>, gulvet i gangen er glatt &amp; <b>farlig</b>.'
                '<br>Noen falt i dag.</p>')


def _payload() -> dict:
    return {"id": "1700000000123", "messageType": "message", "createdDateTime": "2026-11-20T10:00:00Z",
            "body": {"contentType": "html", "content": MESSAGE_HTML},
            "from": {"user": {"id": "aad-x", "displayName": "Ola"}}}


def _invoke(t: Teams, name: str, value: dict, *, tenant: str | None = None, token: str | None = None):
    kw = {"tenant": tenant} if tenant else {}
    act = activity("invoke", user=t.user, conv="19:team@thread.tacv2;messageid=1", conv_type="channel",
                   service_url=t.fake.service_url, name=name, value=value, **kw)
    auth = token or t.fake.token(service_url=act["serviceUrl"])
    return t.client.post("/api/messages", json=act, headers={"Authorization": f"Bearer {auth}"})


def _fetch(t: Teams) -> dict:
    r = _invoke(t, "composeExtension/fetchTask",
                {"commandId": COMMAND_ID, "commandContext": "message", "messagePayload": _payload()})
    assert r.status_code == 200, r.text
    return r.json()


def _submit(t: Teams, card: dict, values: dict):
    submit = card["actions"][0]
    assert submit["type"] == "Action.Submit"
    return _invoke(t, "composeExtension/submitAction",
                   {"commandId": COMMAND_ID, "commandContext": "message", "messagePayload": _payload(),
                    "data": {**submit["data"], **values}})


def test_fetch_task_opens_the_avvik_form_prefilled_with_the_message_as_plain_text(client, teams_env, org):
    task = _fetch(Teams(client, teams_env, org))["task"]
    assert task["type"] == "continue"
    card = card_of({"attachments": [task["value"]["card"]]})
    description = inputs(card)["description"]["value"]
    assert description == "Hei Kari Leder, gulvet i gangen er glatt & farlig.\nNoen falt i dag."
    assert "<" not in description
    assert {"category", "occurred_at__date", "probability"} <= set(inputs(card))


def test_submit_action_stores_the_avvik_once_and_confirms_its_number(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    card = card_of({"attachments": [_fetch(t)["task"]["value"]["card"]]})
    r = _submit(t, card, {**AVVIK_INPUTS, "description": inputs(card)["description"]["value"]})
    assert r.status_code == 200
    assert r.json()["task"]["type"] == "message" and "AV-1" in r.json()["task"]["value"]
    a = session.exec(select(Avvik)).one()
    assert a.reporter_id == org.people["ansatt"] and a.description.startswith("Hei Kari Leder")
    _submit(t, card, AVVIK_INPUTS)  # the same task submitted again (new activity id) stores nothing more
    assert len(session.exec(select(Avvik)).all()) == 1


def test_submit_action_with_errors_answers_the_form_again(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    card = card_of({"attachments": [_fetch(t)["task"]["value"]["card"]]})
    r = _submit(t, card, {**AVVIK_INPUTS, "probability": "9"})
    task = r.json()["task"]
    assert task["type"] == "continue"
    again = card_of({"attachments": [task["value"]["card"]]})
    assert "1 til 5" in texts(again)
    assert inputs(again)["description"]["value"] == AVVIK_INPUTS["description"]
    assert session.exec(select(Avvik)).all() == []


def test_extension_from_another_tenant_or_forged_is_refused_and_nothing_stored(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    card = card_of({"attachments": [_fetch(t)["task"]["value"]["card"]]})
    value = {"commandId": COMMAND_ID, "commandContext": "message", "messagePayload": _payload(),
             "data": {**card["actions"][0]["data"], **AVVIK_INPUTS}}
    other = _invoke(t, "composeExtension/submitAction", value, tenant="ffffffff-0000-0000-0000-000000000000")
    assert other.status_code == 401
    forged = teams_env.token(aud="someone-else")
    assert _invoke(t, "composeExtension/submitAction", value, token=forged).status_code == 401
    assert session.exec(select(Avvik)).all() == []


def test_welcome_card_has_the_commands_and_the_persons_open_tasks(client, teams_env, org, session):
    t = Teams(client, teams_env, org)
    t.say("hjelp")
    card = card_of(t.say("meld avvik")[0])
    t.invoke(next(a for a in card["actions"] if a["verb"] == "form.submit")["data"], AVVIK_INPUTS)
    n = len(teams_env.state.calls)
    t2 = Teams(client, teams_env, org, key="ansatt", user="29:user-ansatt-new")
    add = activity("installationUpdate", user=t2.user, conv="a:personal-ansatt-new",
                   service_url=teams_env.service_url, action="add")
    assert t2.post(add).status_code == 200
    welcome = card_of(t2.sent_since(n)[0])
    shown = texts(welcome)
    assert "Velkommen til Tråd" in shown and "meld avvik" in shown and "sjekkliste" in shown
    assert "Mine åpne avvik" in shown and "AV-1" in shown


def test_bot_added_in_personal_scope_welcomes_even_a_person_tråd_does_not_know(client, teams_env, org):
    t = Teams(client, teams_env, org, key="ansatt", user="29:user-stranger")
    teams_env.state.members[t.user].update(email="ukjent@annen.no", userPrincipalName="ukjent@annen.no")
    n = len(teams_env.state.calls)
    act = activity("conversationUpdate", user=t.user, conv="a:personal-stranger", service_url=teams_env.service_url,
                   membersAdded=[{"id": t.user}, {"id": activity(service_url="x")["recipient"]["id"]}])
    assert t.post(act).status_code == 200
    (welcome,) = t.sent_since(n)
    shown = texts(card_of(welcome))
    assert "Velkommen til Tråd" in shown and "finner deg ikke" in shown and "Mine åpne avvik" not in shown
