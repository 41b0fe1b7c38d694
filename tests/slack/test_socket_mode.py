"""Socket Mode: with SLACK_APP_TOKEN set, the server opens Slack's WebSocket when it starts,
and the same listeners answer over it (events, slash commands, modal submissions)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from tests.slack.conftest import SlackDriver
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_slack_flows import AVVIK_VALUES, view_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def socket_slack(slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch, db_url: str, org: Any) -> SlackDriver:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A1-test")
    monkeypatch.setenv("SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("OUTBOX_WORKER_ENABLED", "false")
    from bot.main import create_app
    from models.settings import get_settings

    get_settings.cache_clear()
    return SlackDriver(create_app(get_settings()), slack_env, org)


async def _ack(fake: FakeSlack, envelope_id: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for a in list(fake.socket_acks):
            if a.get("envelope_id") == envelope_id:
                return a
        await asyncio.sleep(0.02)
    raise AssertionError(f"no ack for {envelope_id}; got {fake.socket_acks}")


async def test_socket_mode_serves_dms_commands_and_submissions(socket_slack: SlackDriver) -> None:
    slack, fake = socket_slack, socket_slack.fake
    async with slack.app.router.lifespan_context(slack.app):
        assert fake.of("apps.connections.open"), "the server did not ask Slack for a Socket Mode URL"
        assert fake.of("apps.connections.open")[0].headers.get("Authorization") == "Bearer xapp-1-A1-test"
        deadline = time.monotonic() + 10
        while not fake.sockets and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

        # a DM: acked over the socket, answered through the Web API
        dm = json.loads(slack.event_body({"type": "message", "channel_type": "im", "channel": "D" + slack.uid["ansatt"],
                                          "user": slack.uid["ansatt"], "text": "hjelp", "ts": f"{time.time():.6f}",
                                          "team": slack.team}))
        fake.push("events_api", dm, envelope_id="env-dm")
        await _ack(fake, "env-dm")
        replies = await fake.wait_for("chat.postMessage", pred=lambda c: c.args.get("channel") == "D" + slack.uid["ansatt"])
        assert replies and "avvik" in json.dumps(replies[0].args, ensure_ascii=False).lower()

        # /avvik: acked, then the modal opens
        fake.push("slash_commands", slack.command_payload("ansatt", "/avvik", "Vannlekkasje"), envelope_id="env-cmd",
                  accepts_response_payload=True)
        await _ack(fake, "env-cmd")
        view = view_of((await fake.wait_for("views.open"))[0])
        assert view["callback_id"] == "avvik.report"

        # a submission with a field error: the error travels back in the ack
        cat = next(b for b in view["blocks"] if b["block_id"] == "category")["element"]["options"][0]["value"]
        bad = {**AVVIK_VALUES, "category": cat, "occurred_at": str(int(time.time()) + 86400 * 3)}
        fake.push("interactive", slack.submission_payload("ansatt", view, bad), envelope_id="env-bad",
                  accepts_response_payload=True)
        ack = await _ack(fake, "env-bad")
        assert ack["payload"]["response_action"] == "errors" and "occurred_at" in ack["payload"]["errors"]

        # and a good one: saved, the case number in the updated modal
        good = {**AVVIK_VALUES, "category": cat, "occurred_at": str(int(time.time()) - 600)}
        fake.push("interactive", slack.submission_payload("ansatt", view, good, view_id="VSOCK1"),
                  envelope_id="env-ok", accepts_response_payload=True)
        ack = await _ack(fake, "env-ok")
        assert ack["payload"]["response_action"] == "update"
        assert "Avviket ditt er mottatt" in json.dumps(ack["payload"]["view"], ensure_ascii=False)
    # the fake reads the close frame on its own thread: give it a moment, as Slack would
    deadline = time.monotonic() + 5
    while fake.sockets and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not fake.sockets, "the Socket Mode connection was not closed with the server"
