"""The send-time gate sits right before each post that counts against Slack's limit (issue 13).

Why a test: the gate keeps the spacing of what really reaches Slack; rendering or a token look-up
between the gate and the post would be lateness the gate cannot see. A long summary goes out as
several posts, and each must pass the gate."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.delivery import SlackAdapter
from models.messages import Reply
from notifications.base import Recipient
from tests.slack.fake_slack import FakeSlack


def _deliver(fake: FakeSlack, reply: Reply) -> list[int]:
    """Deliver one reply; for each gate passage, how many posts Slack had received by then."""
    adapter = SlackAdapter(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))
    passed: list[int] = []

    async def gate() -> None:
        passed.append(len(fake.of("chat.postMessage")))

    async def run() -> None:
        await adapter.deliver(recipient=Recipient(person_id=None, email=None, name=None, user_id="U1", workspace="T1",
                                                  conversation_ref=None, target=None, org_id=None),
                              reply=reply, previous_ref=None, dedupe_key="gate:1", gate=gate)
        await adapter.aclose()

    asyncio.run(run())
    return passed


def test_each_post_passes_the_gate_just_before_it_goes(fake_slack: FakeSlack) -> None:
    assert _deliver(fake_slack, Reply(text="Hei")) == [0]
    assert len(fake_slack.of("chat.postMessage")) == 1
    long = Reply(text="Oppsummering", rich={"slack_blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"linje {i}"}} for i in range(120)]})
    assert _deliver(fake_slack, long) == [1, 2, 3]  # three posts of ≤ 50 blocks, each gated
    assert len(fake_slack.of("chat.postMessage")) == 4
