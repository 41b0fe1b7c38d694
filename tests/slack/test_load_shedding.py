"""Above the work one server can take, Slack gets a fast 503, never a late answer (issue 15).

The limit is SLACK_MAX_IN_FLIGHT: requests in progress plus answers still owed after an ack.
A request is held in progress here by holding the fake Slack's `users.info` (a person not yet
known to the server is looked up there before the submission is saved).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Avvik
from tests.slack.conftest import SlackDriver
from tests.slack.test_slack_flows import avvik_values, open_avvik_modal

pytestmark = pytest.mark.anyio


@pytest.fixture
def shedding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_MAX_IN_FLIGHT", "1")


def avvik_count(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Avvik)).one()


async def idle(slack: SlackDriver) -> None:
    """Wait until the answers owed after earlier acks (the modal's views.open) are sent."""
    gate = slack.app.state.slack_gate
    deadline = time.monotonic() + 5
    while (gate.in_flight or gate.owed) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def test_over_the_limit_slack_gets_a_fast_503_and_nothing_is_half_stored(shedding: None, slack: SlackDriver,
                                                                               engine) -> None:
    view = await open_avvik_modal(slack)  # «ansatt» is now known to the server; «ansatt2» is not
    await idle(slack)
    held = slack.fake.hold("users.info")
    first = asyncio.ensure_future(slack.submit("ansatt2", view, avvik_values(view), view_id="VHELD"))
    await slack.fake.wait_for("users.info", pred=lambda c: c.args.get("user") == slack.uid["ansatt2"])

    start = time.monotonic()
    refused = await slack.submit("ansatt", view, avvik_values(view), view_id="VREFUSED")
    assert refused.status_code == 503 and refused.headers.get("retry-after") == "1"
    assert time.monotonic() - start < 1.0
    event = await slack.dm("ansatt", "hjelp")
    assert event.status_code == 503  # Slack retries a refused event later
    assert avvik_count(engine) == 0  # nothing of the refused submission was stored

    held.set()
    accepted = await first
    assert accepted.status_code == 200 and accepted.json()["response_action"] == "update"
    await idle(slack)
    # the same modal sent again once there is room is saved, and its answer names the leader told
    again = await slack.submit("ansatt", view, avvik_values(view), view_id="VREFUSED")
    assert again.status_code == 200
    shown = json.dumps(again.json()["view"], ensure_ascii=False)
    assert "Avviket ditt er mottatt" in shown  # kept at the ack; the background registered it (SlackDriver.submit)
    assert avvik_count(engine) == 2


async def test_without_a_limit_nothing_is_refused(monkeypatch: pytest.MonkeyPatch, slack_env, db_url: str,
                                                  org) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SLACK_MAX_IN_FLIGHT", "0")
    from bot.main import create_app
    from models.settings import get_settings

    get_settings.cache_clear()
    slack = SlackDriver(create_app(get_settings()), slack_env, org)
    answers = await asyncio.gather(*(slack.dm("ansatt", "hjelp") for _ in range(20)))
    assert [a.status_code for a in answers] == [200] * 20


def test_a_backlog_of_owed_answers_is_bounded_too() -> None:
    """Answers owed after acks (DM replies) do not count against requests, but their backlog is bounded."""
    from bot.slack import Shedder

    owed: set[object] = set()
    gate = Shedder(2, owed=owed)
    a, b = gate.enter(), gate.enter()
    assert a is not None and b is not None and gate.enter() is None  # two in progress: the third is refused
    gate.leave(a), gate.leave(b)
    owed.update(object() for _ in range(7))
    c = gate.enter()
    assert c is not None  # 7 replies still owed: below 4 × 2
    gate.leave(c)
    owed.add(object())
    assert gate.enter() is None and gate.shed == 2


def test_a_request_waiting_too_long_means_the_server_is_not_keeping_up() -> None:
    """Below the count, a request is still refused while the oldest in progress has waited a second."""
    from bot.slack import Shedder

    now = [0.0]
    gate = Shedder(100, max_wait=1.0, clock=lambda: now[0])
    slow = gate.enter()
    now[0] = 0.5
    quick = gate.enter()
    assert slow is not None and quick is not None
    gate.leave(quick)
    now[0] = 1.2
    assert gate.enter() is None  # the first has waited 1.2 s
    gate.leave(slow)
    assert gate.enter() is not None  # it answered: room again
