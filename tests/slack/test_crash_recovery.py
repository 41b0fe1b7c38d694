"""A deliverer that dies between Slack's 200 and the outbox update: no double post, quick recovery.

The real outbox worker and Slack adapter against the fake Slack, which files a post to a
user id `U…` under the DM `D…` and finds it again in `conversations.history`, as Slack does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.slack.delivery import SlackAdapter
from models.messages import Reply
from models.services import outbox
from models.settings import get_settings
from models.tables import ChatIdentity, OutboxMessage
from notifications import outbox_worker
from notifications.outbox_worker import Pacer, deliver_due
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.anyio

LEASE_S = 0.4  # a short lease, so the test waits well under a second for a reclaim
KEY = "nudge:2026-11:leder"


def _setup(session: Any, org: Any) -> None:
    session.add(ChatIdentity(org_id=org.org_id, person_id=org.people["leder"], platform="slack", workspace="T0TEST",
                             user_id="ULEDER", email=org.emails["leder"]))
    session.commit()
    outbox.enqueue(session, dedupe_key=KEY, kind="nudge", payload=Reply(text="Tre åpne avvik"), org_id=org.org_id,
                   recipient_person_id=org.people["leder"])
    session.commit()


def _row(session: Any) -> OutboxMessage:
    session.expire_all()
    return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == KEY)).one()


def _adapters(fake_slack: FakeSlack) -> dict[str, Any]:
    return {"slack": SlackAdapter(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url))}


async def _deliver(engine: Any, fake_slack: FakeSlack) -> int:
    return await deliver_due(engine, _adapters(fake_slack), pacer=Pacer({}), lease_s=LEASE_S, max_attempts=3)


class Killed(BaseException):
    """Stands in for kill -9: nothing in the worker catches it, nothing after it runs."""


def _fail_after_send(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """Slack answered 200; then recording it in the outbox raises `exc`."""

    def broken(**_kw: Any) -> None:
        raise exc

    monkeypatch.setattr(outbox_worker.rows, "mark_delivered", broken)


@pytest.mark.parametrize("how", ["killed", "database error"])
async def test_deliverer_lost_after_slacks_200_does_not_post_twice(engine: Any, session: Any, org: Any,
                                                                   fake_slack: FakeSlack, how: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(session, org)
    with monkeypatch.context() as m:
        if how == "killed":
            _fail_after_send(m, Killed())
            with pytest.raises(Killed):
                await _deliver(engine, fake_slack)
        else:
            _fail_after_send(m, RuntimeError("database went away"))
            assert await _deliver(engine, fake_slack) == 1
    assert len(fake_slack.of("chat.postMessage")) == 1  # the leader has the message …
    assert _row(session).status == "sending"  # … but the outbox does not know it

    await asyncio.sleep(LEASE_S * 2)  # the dead worker's lease runs out
    assert await _deliver(engine, fake_slack) == 1  # a new worker reclaims the row

    row = _row(session)
    assert row.status == "delivered"
    assert len(fake_slack.of("chat.postMessage")) == 1  # found in the DM's history, not posted again
    assert row.external_ref is not None and row.external_ref["channel"] == "DULEDER"
    assert row.external_ref["ts"] == fake_slack.posted["DULEDER"][0]["ts"]  # later updates edit that message


async def test_a_live_worker_keeps_its_rows_past_a_short_lease(engine: Any, session: Any, org: Any,
                                                               fake_slack: FakeSlack) -> None:
    _setup(session, org)
    gate = fake_slack.hold("chat.postMessage")  # Slack is slow to answer this one
    first = asyncio.create_task(_deliver(engine, fake_slack))
    assert await fake_slack.wait_for("chat.postMessage")
    await asyncio.sleep(LEASE_S * 3)  # three leases pass while the post is in flight
    assert await _deliver(engine, fake_slack) == 0  # the heartbeat kept the claim: nobody else takes the row
    gate.set()
    assert await first == 1
    assert _row(session).status == "delivered"
    assert len(fake_slack.of("chat.postMessage")) == 1


def test_default_lease_lets_a_restarted_server_deliver_within_30_seconds() -> None:
    """What a dead server had claimed is due again one lease after its last heartbeat, found at the next poll."""
    settings = get_settings()
    assert settings.outbox_lease_seconds + settings.outbox_poll_seconds <= 30
