"""After a change in Slack: the leader's avvik message changes in place; the people concerned see fresh App Homes."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import Session, select

from bot.slack.blocks import message_payloads
from models.messages import Reply
from models.tables import Avvik, OutboxMessage
from tests.slack.conftest import SlackDriver
from tests.slack.test_slack_flows import avvik_values, open_avvik_modal, submit_avvik, view_of

pytestmark = pytest.mark.anyio
LEADER_TS = "1700000999.000100"


async def _reported(slack: SlackDriver, engine) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    """An avvik reported by «ansatt» in Slack, and the blocks of the DM the leader got about it."""
    slack.app.state.slack_app.trad.home_interval = 0.01  # no coalescing pause in tests
    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view, description="Trapp uten rekkverk"))
    with Session(engine) as s:
        avvik_id = s.exec(select(Avvik)).one().id
        msg = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "avvik_new")).one()
    return avvik_id, message_payloads(Reply.model_validate(msg.payload))[0]["blocks"]


def _press(slack: SlackDriver, action_id: str, avvik_id: int, blocks: list[dict]) -> dict:
    """A button press in the leader's DM, shaped as Slack sends it (container + the message's blocks)."""
    channel = "D" + slack.uid["leder"]
    block_id = next(b.get("block_id", "acts") for b in blocks if b["type"] == "actions")
    blocks = [{**b, "block_id": "acts"} if b["type"] == "actions" else b for b in blocks]
    return {"type": "block_actions", "user": {"id": slack.uid["leder"], "team_id": slack.team},
            "team": {"id": slack.team}, "api_app_id": "A1", "trigger_id": f"trig-{time.time()}",
            "container": {"type": "message", "message_ts": LEADER_TS, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel}, "message": {"type": "message", "ts": LEADER_TS, "blocks": blocks},
            "response_url": f"{slack.fake.base}/respond/77",
            "actions": [{"type": "button", "action_id": action_id, "block_id": block_id or "acts",
                         "value": str(avvik_id), "action_ts": f"{time.time():.6f}"}]}


def _buttons(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_take_updates_the_leaders_message_in_place(slack: SlackDriver, engine) -> None:
    avvik_id, blocks = await _reported(slack, engine)
    assert "avvik.take" in _buttons(blocks)
    slack.fake.calls.clear()
    r = await slack.interactive(_press(slack, "avvik.take", avvik_id, blocks))
    assert r.status_code == 200
    updates = await slack.fake.wait_for("chat.update")
    assert len(updates) == 1
    u = updates[0].args
    assert u["channel"] == "D" + slack.uid["leder"] and u["ts"] == LEADER_TS
    new_blocks = u["blocks"] if isinstance(u["blocks"], list) else json.loads(u["blocks"])
    shown = json.dumps(new_blocks, ensure_ascii=False)
    assert "Under behandling" in shown and "Trapp uten rekkverk" in shown
    assert _buttons(new_blocks) == ["avvik.add_tiltak", "avvik.close"]  # «Ta saken» is gone
    # the confirmation is still an ephemeral answer, not a change of the message
    responds = await slack.fake.wait_for("respond")
    assert "Du har tatt saken" in responds[-1].args["text"] and not responds[-1].args.get("replace_original")


async def test_close_through_the_modal_updates_the_message_it_came_from(slack: SlackDriver, engine) -> None:
    avvik_id, blocks = await _reported(slack, engine)
    slack.fake.calls.clear()
    await slack.interactive(_press(slack, "avvik.close", avvik_id, blocks))
    opened = await slack.fake.wait_for("views.open")
    close = view_of(opened[-1])
    assert close["callback_id"] == "avvik.close"
    r = await slack.submit("leder", close, {"conclusion": "Rekkverk montert", "effect_evaluation": "Ingen fall siden"})
    assert r.json()["response_action"] == "update"
    updates = await slack.fake.wait_for("chat.update")
    assert updates and updates[0].args["ts"] == LEADER_TS
    new_blocks = updates[0].args["blocks"]
    new_blocks = new_blocks if isinstance(new_blocks, list) else json.loads(new_blocks)
    assert "Lukket" in json.dumps(new_blocks, ensure_ascii=False)
    assert _buttons(new_blocks) == ["avvik.reopen"]
    with Session(engine) as s:
        assert s.get(Avvik, avvik_id).status == "lukket"


async def test_reporters_app_home_is_refreshed_when_the_leader_acts(slack: SlackDriver, engine) -> None:
    avvik_id, blocks = await _reported(slack, engine)
    reporter = slack.uid["ansatt"]
    await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == reporter)
    slack.fake.calls.clear()
    await slack.interactive(_press(slack, "avvik.take", avvik_id, blocks))
    pubs = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == reporter)
    assert pubs, "the reporter's App Home was not refreshed"
    assert "Under behandling" in json.dumps(view_of(pubs[-1]), ensure_ascii=False)
    # and the leader's own home, since they acted
    assert await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == slack.uid["leder"])


async def test_a_new_avvik_refreshes_the_unit_leaders_home(slack: SlackDriver, engine) -> None:
    """The leader's App Home shows the new avvik once the DM about it is delivered (by the outbox)."""
    from bot.slack.delivery import build_adapter
    from models.settings import get_settings
    from notifications.outbox_worker import Pacer, deliver_due

    await slack.dm("leder", "hjelp")  # the leader has used Tråd in Slack, so their account is linked
    await slack.fake.wait_for("chat.postMessage")
    slack.app.state.slack_app.trad.home_interval = 0.01
    slack.fake.calls.clear()
    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view, description="Lekkasje i kjelleren"))
    await deliver_due(engine, {"slack": build_adapter(get_settings(), slack.app.state.wiring.conversation)}, pacer=Pacer({}))
    pubs = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == slack.uid["leder"]
                                     and "Lekkasje" in json.dumps(c.args, ensure_ascii=False))
    assert pubs, "the leader's App Home did not show the new avvik"
    dm = [c for c in slack.fake.of("chat.postMessage") if c.args.get("channel") == slack.uid["leder"]]
    assert dm and "Lekkasje" in json.dumps(dm[0].args, ensure_ascii=False)


async def test_a_unit_outside_the_kommune_is_an_error_on_the_unit_field(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    r = await slack.submit("ansatt", view, avvik_values(view, unit_id="999999"), view_id="VBAD")
    body = r.json()
    assert body["response_action"] == "errors" and "unit_id" in body["errors"]  # on the right field, modal open
    with Session(engine) as s:
        assert s.exec(select(Avvik)).first() is None
