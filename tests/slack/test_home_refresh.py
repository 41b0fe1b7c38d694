"""The App Home refresh after a delivered DM yields to the DMs: coalesced per user, built when the
outbox is quiet (or after a maximum wait), flushed when delivery stops, and never in a DM's way (issue 13)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.delivery import SlackAdapter
from bot.slack.home_refresh import HomeRefresher
from models.messages import Reply
from notifications.base import Recipient
from tests.slack.conftest import SlackDriver
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_slack_flows import avvik_values, open_avvik_modal, submit_avvik, view_of

pytestmark = pytest.mark.anyio
REPLY = Reply(title="Påminnelse", text="Tre sjekkpunkter venter på deg")


def to(user_id: str, person_id: int = 1) -> Recipient:
    return Recipient(person_id=person_id, email=None, name=None, user_id=user_id, workspace="T0TEST",
                     conversation_ref=None, target=None)


class Homes:
    """A stand-in for `publish_home`: publishes a tiny view through the fake, records when it ran."""

    def __init__(self, fail: bool = False, hold: asyncio.Event | None = None) -> None:
        self.built: list[tuple[str, float]] = []
        self.fail = fail
        self.hold = hold

    async def __call__(self, client: AsyncWebClient, user_id: str, person_id: int) -> None:
        self.built.append((user_id, time.monotonic()))
        if self.hold is not None:
            await self.hold.wait()
        if self.fail:
            raise RuntimeError("the Home could not be built")
        await client.views_publish(user_id=user_id, view={"type": "home", "blocks": []})


def adapter_with(fake: FakeSlack, homes: Homes, **kw: float) -> SlackAdapter:
    return SlackAdapter(AsyncWebClient(token="xoxb-test", base_url=fake.api_url), share_session=True,
                        home_refresh=HomeRefresher(homes, **kw))


def build_real(slack: SlackDriver, quiet_s: float) -> SlackAdapter:
    from bot.slack.delivery import build_adapter
    from models.settings import get_settings

    adapter = build_adapter(get_settings(), slack.app.state.wiring.conversation)
    assert adapter is not None and adapter.home_refresh is not None
    adapter.home_refresh.quiet_s = quiet_s
    return adapter


async def test_one_delivered_dm_publishes_the_recipients_home_once_it_is_quiet(slack: SlackDriver) -> None:
    leader = slack.uid["leder"]
    adapter = build_real(slack, quiet_s=0.3)
    slack.fake.calls.clear()
    await adapter.deliver(recipient=to(leader, slack.org.people["leder"]), reply=REPLY, previous_ref=None,
                          dedupe_key="nudge:1")
    assert not slack.fake.of("views.publish")  # not inline in the send
    pubs = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == leader)
    assert len(pubs) == 1 and view_of(pubs[0])["type"] == "home"
    await asyncio.sleep(0.4)
    assert len(slack.fake.of("views.publish")) == 1
    await adapter.aclose()


async def test_drain_publishes_the_waiting_homes_before_it_returns(slack: SlackDriver, engine) -> None:
    """`trad deliver --once` (`Delivery.drain`) ends with `aclose`, which flushes the queue: no quiet to wait for."""
    from notifications.outbox_worker import Delivery, Pacer

    slack.app.state.slack_app.trad.home_interval = 0.01
    await slack.dm("leder", "hjelp")  # the leader has used Tråd in Slack: their account is linked
    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view, description="Lekkasje i garderoben"))
    await asyncio.sleep(0.3)  # the edge's own replies and Home refreshes are done
    slack.fake.calls.clear()
    adapter = build_real(slack, quiet_s=60.0)  # never quiet during this test: only the flush publishes
    assert await Delivery(engine, {"slack": adapter}, Pacer({})).drain() >= 2
    leader = [c for c in slack.fake.of("views.publish") if c.args.get("user_id") == slack.uid["leder"]]
    assert len(leader) == 1 and "Lekkasje" in json.dumps(view_of(leader[0]), ensure_ascii=False)
    assert adapter.home_refresh is not None and adapter.home_refresh.pending == 0


async def test_three_dms_to_one_user_in_a_burst_give_one_home_after_the_dms(fake_slack: FakeSlack) -> None:
    homes = Homes()
    adapter = adapter_with(fake_slack, homes, quiet_s=0.3)
    await asyncio.gather(*(adapter.deliver(recipient=to("UKARI"), reply=REPLY, previous_ref=None,
                                           dedupe_key=f"burst:{i}") for i in range(3)))
    await adapter.deliver(recipient=to("UOLA", 2), reply=REPLY, previous_ref=None, dedupe_key="burst:ola")
    await fake_slack.wait_for("views.publish", n=2)
    await asyncio.sleep(0.5)
    methods = [(c.method, c.args.get("user_id") or c.args.get("channel")) for c in fake_slack.calls]
    assert [m for m in methods if m[0] == "views.publish"] == [("views.publish", "UKARI"), ("views.publish", "UOLA")]
    last_dm = max(i for i, m in enumerate(methods) if m[0] == "chat.postMessage")
    first_home = min(i for i, m in enumerate(methods) if m[0] == "views.publish")
    assert last_dm < first_home and len([m for m in methods if m[0] == "chat.postMessage"]) == 4
    await adapter.aclose()


async def test_no_home_is_built_while_dms_keep_flowing_until_the_maximum_wait(fake_slack: FakeSlack) -> None:
    homes = Homes()
    adapter = adapter_with(fake_slack, homes, quiet_s=0.4, max_wait_s=1.2)
    started = time.monotonic()
    i = 0
    while time.monotonic() - started < 2.4:  # a DM every 0.1 s: never 0.4 s without a send
        await adapter.deliver(recipient=to(f"U{i % 3}", i % 3 + 1), reply=REPLY, previous_ref=None,
                              dedupe_key=f"flow:{i}")
        i += 1
        await asyncio.sleep(0.1)
    assert homes.built, "overdue Homes were never built on a busy adapter"
    first = homes.built[0][1] - started
    assert 1.2 <= first < 2.0  # not before the maximum wait, and soon after it
    busy_builds = len(homes.built)
    assert busy_builds <= 4  # while busy, at most one per quiet period: the DMs keep the CPU
    await asyncio.sleep(0.8)  # now quiet: the rest are built
    assert sorted({u for u, _ in homes.built}) == ["U0", "U1", "U2"]
    await adapter.aclose()


async def test_a_failing_home_build_neither_fails_nor_delays_the_dm(fake_slack: FakeSlack) -> None:
    hold = asyncio.Event()
    homes = Homes(fail=True, hold=hold)
    adapter = adapter_with(fake_slack, homes, quiet_s=0.05, flush_timeout_s=1.0)
    ref = await adapter.deliver(recipient=to("UKARI"), reply=REPLY, previous_ref=None, dedupe_key="f:1")
    assert ref["ts"]
    while not homes.built:  # the Home build has started and hangs
        await asyncio.sleep(0.01)
    t0 = time.monotonic()
    ref = await adapter.deliver(recipient=to("UOLA", 2), reply=REPLY, previous_ref=None, dedupe_key="f:2")
    assert ref["ts"] and time.monotonic() - t0 < 0.5
    hold.set()  # now it fails: logged, and the next one still runs
    await asyncio.sleep(0.3)
    assert [u for u, _ in homes.built] == ["UKARI", "UOLA"]
    assert len(fake_slack.of("chat.postMessage")) == 2 and not fake_slack.of("views.publish")
    await adapter.aclose()


async def test_a_real_home_that_slack_refuses_does_not_touch_the_dm(slack: SlackDriver) -> None:
    leader = slack.uid["leder"]
    adapter = build_real(slack, quiet_s=0.05)
    slack.fake.calls.clear()
    slack.fake.fail("views.publish", error="internal_error")
    ref = await adapter.deliver(recipient=to(leader, slack.org.people["leder"]), reply=REPLY, previous_ref=None,
                                dedupe_key="nudge:x")
    assert ref["ts"]
    assert await slack.fake.wait_for("views.publish")
    await adapter.aclose()


def test_a_refresh_left_by_one_event_loop_is_published_on_the_next(fake_slack: FakeSlack) -> None:
    """A restarted worker (a new loop) takes over the queue; the old loop's task was cancelled cleanly."""
    homes = Homes()
    adapter = adapter_with(fake_slack, homes, quiet_s=30.0)

    async def one_dm(user: str) -> None:
        await adapter.deliver(recipient=to(user), reply=REPLY, previous_ref=None, dedupe_key=f"loop:{user}")

    asyncio.run(one_dm("UKARI"))  # the loop ends with the refresh still waiting for quiet
    assert adapter.home_refresh is not None and adapter.home_refresh.pending == 1

    async def next_loop() -> None:
        await one_dm("UOLA")
        await adapter.aclose()

    asyncio.run(next_loop())
    assert sorted(c.args["user_id"] for c in fake_slack.of("views.publish")) == ["UKARI", "UOLA"]


async def test_a_dm_turn_leaves_the_home_to_be_rebuilt_when_it_is_opened(slack: SlackDriver) -> None:
    """The person is in the Messages tab: no Home build after each DM (it cost the ack path ~18 ms of CPU per
    message); opening the Home tab shows what the DM changed."""
    slack.app.state.slack_app.trad.home_interval = 0.01
    await slack.dm("ansatt", "hjelp")
    await slack.fake.wait_for("chat.postMessage")
    await asyncio.sleep(0.3)  # what a refresh after the turn would have taken (home_interval is 10 ms)
    assert not [c for c in slack.fake.of("views.publish") if c.args.get("user_id") == slack.uid["ansatt"]]
    body = slack.event_body({"type": "app_home_opened", "user": slack.uid["ansatt"], "tab": "home", "channel": "D1"})
    assert (await slack.post(body, "application/json")).status_code == 200
    pubs = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == slack.uid["ansatt"])
    assert pubs and "Mine åpne avvik" in json.dumps(view_of(pubs[-1]), ensure_ascii=False)
