"""The Slack delivery adapter against the fake Slack: sends, updates, uploads, and how failures map."""

from __future__ import annotations

import base64
import json
import socket

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.delivery import SlackAdapter
from models.messages import Action, Fact, Reply
from notifications.base import PermanentFailure, Recipient, RetryLater, Unreachable
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.anyio


def recipient(user_id: str | None = "UKARI", email: str | None = None, target: str | None = None) -> Recipient:
    return Recipient(person_id=1, email=email, name="Kari", user_id=user_id, workspace="T0TEST",
                     conversation_ref=None, target=target)


@pytest.fixture
def adapter(fake_slack: FakeSlack) -> SlackAdapter:
    return SlackAdapter(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url))


REPLY = Reply(title="Nytt avvik AV-3", text="Vann <!channel> på gulvet",
              facts=[Fact(label="Enhet", value="Aurvoll skole")],
              actions=[Action(label="Ta saken", action_id="avvik.take", value="3", style="primary")])


async def test_dm_is_posted_to_the_user_without_opening_a_conversation(adapter: SlackAdapter,
                                                                        fake_slack: FakeSlack) -> None:
    ref = await adapter.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key="avvik:3:leader:2")
    assert ref["channel"] == "DUKARI" and ref["ts"]  # the DM's channel, for later in-place updates
    # no conversations.open (Tier 3, ~50/min) per message: a 1,000-leader fan-out would crawl
    assert fake_slack.of("conversations.open") == []
    post = fake_slack.of("chat.postMessage")[0].args
    assert post["channel"] == "UKARI"
    assert "&lt;!channel&gt;" in json.dumps(post["blocks"]) and "<!channel>" not in post["text"]
    assert post.get("link_names") is None and post.get("parse") is None
    assert post["metadata"]["event_payload"]["key"] == "avvik:3:leader:2"


async def test_previous_ref_updates_in_place(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    ref = await adapter.deliver(recipient=recipient(), reply=REPLY, previous_ref={"channel": "DUKARI", "ts": "1.5"},
                                dedupe_key="k2")
    assert ref == {"channel": "DUKARI", "ts": "1.5"}
    assert fake_slack.of("chat.update")[0].args["ts"] == "1.5"
    assert not fake_slack.of("chat.postMessage")


async def test_chart_is_uploaded_with_files_upload_v2(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 100).decode()
    reply = Reply(title="Avvik per måned", image_png_b64=png, image_alt="Søylediagram")
    await adapter.deliver(recipient=recipient(), reply=reply, previous_ref=None, dedupe_key="k3")
    assert fake_slack.of("files.getUploadURLExternal")
    assert fake_slack.of("upload")[0].args["size"] == 108
    done = fake_slack.of("files.completeUploadExternal")[0].args
    assert done["channel_id"] == "DUKARI"


async def test_429_becomes_retry_later_with_retry_after(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, error="ratelimited", headers={"Retry-After": "7"})
    with pytest.raises(RetryLater) as info:
        await adapter.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key="k4")
    assert info.value.after == 7.0
    assert len(fake_slack.of("chat.postMessage")) == 1  # no retry of its own: the outbox owns retries


async def test_5xx_and_network_errors_become_retry_later(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=503)
    with pytest.raises(RetryLater):
        await adapter.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key="k5")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    dead = SlackAdapter(AsyncWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[]))
    with pytest.raises(RetryLater):
        await dead.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key="k6")


async def test_gone_users_are_unreachable_and_bad_payloads_permanent(adapter: SlackAdapter,
                                                                     fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", error="user_not_found")  # a deactivated user
    with pytest.raises(Unreachable):
        await adapter.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key="k7")
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(Unreachable):
        await adapter.deliver(recipient=recipient(target="C999"), reply=REPLY, previous_ref=None, dedupe_key="k8")
    fake_slack.fail("chat.postMessage", error="invalid_blocks")
    with pytest.raises(PermanentFailure):
        await adapter.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key="k9")
    with pytest.raises(Unreachable):
        await adapter.deliver(recipient=recipient(user_id=None), reply=REPLY, previous_ref=None, dedupe_key="k10")


async def test_find_user_by_email(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    fake_slack.users["UKARI"] = "kari@testkommune.no"
    found = await adapter.find_user(email="Kari@testkommune.no")
    assert found == {"user_id": "UKARI", "workspace": "T0TEST", "conversation_ref": {"user_id": "UKARI"}}
    assert await adapter.find_user(email="nobody@testkommune.no") is None
    ref = await adapter.deliver(recipient=recipient(user_id=None, email="kari@testkommune.no"), reply=REPLY,
                                previous_ref=None, dedupe_key="k11")
    assert ref["channel"] == "DUKARI"


async def test_find_sent_sees_an_already_posted_row(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    assert await adapter.find_sent(recipient=recipient(), dedupe_key="avvik:9:receipt") is None
    ref = await adapter.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key="avvik:9:receipt")
    assert await adapter.find_sent(recipient=recipient(), dedupe_key="avvik:9:receipt") == ref


async def test_long_checklist_is_split_over_messages(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    from models.messages import Item

    items = [Item(title=f"Sjekkpunkt {i}", actions=[Action(label="Ja", action_id="check.ja", value=f"1:{i}")])
             for i in range(60)]
    ref = await adapter.deliver(recipient=recipient(), reply=Reply(title="Sjekkpunkter", items=items),
                                previous_ref=None, dedupe_key="k12")
    posts = fake_slack.of("chat.postMessage")
    assert len(posts) == 3 and ref["ts"]
    assert all(len(p.args["blocks"]) <= 50 for p in posts)
    values = [e["value"] for p in posts for b in p.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(values) == 60 and len(set(values)) == 60


def test_a_shared_session_serves_every_send_and_a_new_event_loop(fake_slack: FakeSlack) -> None:
    """The deployment's adapter keeps one HTTP session per process (no new connection per call); a new
    event loop (a restarted worker, the next `trad deliver --once` batch) gets a fresh one that works."""
    import asyncio

    shared = SlackAdapter(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url), share_session=True)

    async def two_sends(n: int) -> object:
        for i in range(2):
            await shared.deliver(recipient=recipient(), reply=REPLY, previous_ref=None, dedupe_key=f"s{n}-{i}")
        session = shared.client.session
        await shared.aclose()
        return session

    first = asyncio.run(two_sends(1))
    second = asyncio.run(two_sends(2))
    assert first is not None and second is not None and first is not second
    assert first.closed and second.closed  # type: ignore[attr-defined]
    assert len(fake_slack.of("chat.postMessage")) == 4
