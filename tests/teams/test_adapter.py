"""The Teams delivery adapter: outbox rows to the Bot Connector, with the port's outcomes."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.teams.delivery import ConversationPacer, TeamsAdapter
from models.messages import Item, Reply
from models.services import identity
from models.services.outbox import enqueue
from models.tables import ChatIdentity, OutboxMessage
from notifications.base import Recipient, RetryLater, Unreachable
from tests.teams.fakes import TENANT


def _ref(fake, conv: str = "a:dm-leder", user: str = "29:user-leder") -> dict:
    return {"serviceUrl": fake.service_url, "conversationId": conv, "tenantId": TENANT, "userId": user}


def _recipient(ref: dict | None, **kw) -> Recipient:
    base = dict(person_id=None, email=None, name=None, user_id=None, workspace=TENANT, conversation_ref=ref, target=None)
    return Recipient(**{**base, **kw})


@pytest.fixture
def adapter(teams_env, engine):
    from models.settings import get_settings

    return TeamsAdapter(get_settings(), engine=engine)


def run(coro):
    return asyncio.run(coro)


def test_delivers_a_card_to_a_stored_reference_and_updates_it_in_place(adapter, teams_env):
    ref = run(adapter.deliver(recipient=_recipient(_ref(teams_env)), reply=Reply(title="Nytt avvik", text="Hei"),
                              previous_ref=None, dedupe_key="k1"))
    posted = teams_env.state.activities("POST")
    assert posted[0]["path"] == "/v3/conversations/a:dm-leder/activities"
    assert posted[0]["body"]["attachments"][0]["content"]["version"] == "1.5"
    assert ref["activity_id"] and ref["conversation_id"] == "a:dm-leder"
    run(adapter.deliver(recipient=_recipient(_ref(teams_env)), reply=Reply(text="Oppdatert"), previous_ref=ref,
                        dedupe_key="k2"))
    put = teams_env.state.activities("PUT")
    assert put[0]["path"].endswith(f"/activities/{ref['activity_id']}")


def test_creates_the_one_to_one_chat_when_only_the_user_is_known(adapter, teams_env):
    ref = {"serviceUrl": teams_env.service_url, "tenantId": TENANT, "userId": "29:user-x"}
    out = run(adapter.deliver(recipient=_recipient(ref), reply=Reply(text="Hei"), previous_ref=None, dedupe_key="k"))
    create = [c for c in teams_env.state.calls if c["path"] == "/v3/conversations"][0]
    assert create["body"]["bot"]["id"].startswith("28:") and create["body"]["members"] == [{"id": "29:user-x"}]
    assert create["body"]["channelData"]["tenant"]["id"] == TENANT
    assert out["conversation_id"] == "a:created-29:user-x"


@pytest.mark.parametrize("status", [429, 412, 502, 504])
def test_throttling_and_gateway_errors_are_retry_later(adapter, teams_env, status):
    teams_env.state.fail_next = [(status, {"Retry-After": "7"})]
    with pytest.raises(RetryLater) as exc:
        run(adapter.deliver(recipient=_recipient(_ref(teams_env)), reply=Reply(text="x"), previous_ref=None,
                            dedupe_key="k"))
    assert exc.value.after == 7.0


@pytest.mark.parametrize("status", [403, 404])
def test_forbidden_or_gone_is_unreachable(adapter, teams_env, status):
    teams_env.state.fail_next = [(status, {})]
    with pytest.raises(Unreachable):
        run(adapter.deliver(recipient=_recipient(_ref(teams_env)), reply=Reply(text="x"), previous_ref=None,
                            dedupe_key="k"))


def test_a_401_refreshes_the_token_once_and_succeeds(adapter, teams_env):
    run(adapter.deliver(recipient=_recipient(_ref(teams_env)), reply=Reply(text="a"), previous_ref=None, dedupe_key="a"))
    old = teams_env.state.calls[-1]["token"]
    teams_env.state.revoked.add(old)  # the connector stops accepting the cached token
    run(adapter.deliver(recipient=_recipient(_ref(teams_env)), reply=Reply(text="b"), previous_ref=None, dedupe_key="b"))
    statuses = [c["status"] for c in teams_env.state.calls[-2:]]
    assert statuses == [401, 200]
    assert teams_env.state.calls[-1]["token"] != old


def test_no_reference_is_unreachable(adapter, teams_env):
    with pytest.raises(Unreachable):
        run(adapter.deliver(recipient=_recipient(None, email="x@y.no"), reply=Reply(text="x"), previous_ref=None,
                            dedupe_key="k"))
    assert teams_env.state.calls == []


def test_find_user_returns_the_stored_installation(adapter, teams_env, org, session):
    identity.save_conversation_ref(session=session, platform="teams", workspace=TENANT, user_id="29:user-leder",
                                   conversation_ref=_ref(teams_env), email=org.emails["leder"].upper(), org_id=org.org_id)
    found = run(adapter.find_user(email=org.emails["leder"]))
    assert found["user_id"] == "29:user-leder" and found["conversation_ref"]["conversationId"] == "a:dm-leder"
    assert run(adapter.find_user(email="nobody@testkommune.no")) is None


def test_long_lists_are_split_under_40_kb(adapter, teams_env):
    items = [Item(title=f"AV-{i} " + "x" * 400, text="y" * 400) for i in range(150)]
    run(adapter.deliver(recipient=_recipient(_ref(teams_env)), reply=Reply(title="Mange avvik", items=items),
                        previous_ref=None, dedupe_key="long"))
    import json

    posted = teams_env.state.activities("POST")
    assert len(posted) > 1
    assert all(len(json.dumps(p["body"]).encode()) < 40_000 for p in posted)
    shown = "".join(json.dumps(p["body"]) for p in posted)
    assert all(f"AV\\\\-{i} " in shown or f"AV-{i} " in shown for i in range(150))


def test_pacer_keeps_seven_per_second_per_conversation(monkeypatch):
    clock = {"t": 1000.0}
    slept: list[float] = []

    async def fake_sleep(d: float) -> None:
        slept.append(d)
        clock["t"] += d

    monkeypatch.setattr("bot.teams.delivery.time.monotonic", lambda: clock["t"])
    monkeypatch.setattr("bot.teams.delivery.asyncio.sleep", fake_sleep)
    pacer = ConversationPacer()

    async def go() -> None:
        for _ in range(8):
            await pacer.wait("conv-a")
        await pacer.wait("conv-b")

    asyncio.run(go())
    assert len(slept) == 1 and 0.9 < slept[0] <= 1.0  # the 8th message to conv-a waits; conv-b does not


def test_end_to_end_through_the_outbox_worker(teams_env, engine, org, session):
    from models.settings import get_settings
    from notifications.outbox_worker import deliver_due

    identity.link_identity(session=session, platform="teams", workspace=TENANT, user_id="29:user-leder",
                           email=org.emails["leder"], conversation_ref=_ref(teams_env))
    enqueue(session, dedupe_key="nudge:1", kind="nudge", payload=Reply(title="Påminnelse", text="Sjekklista venter"),
            recipient_person_id=org.people["leder"], platform="teams", org_id=org.org_id)
    session.commit()
    teams_env.state.fail_next = [(429, {"Retry-After": "0"})]
    adapters = {"teams": TeamsAdapter(get_settings(), engine=engine)}
    run(deliver_due(engine, adapters))
    session.expire_all()
    row = session.exec(select(OutboxMessage)).one()
    assert row.status == "pending"  # 429: retried later, not lost
    from datetime import timedelta

    from models.tables._common import utcnow

    run(deliver_due(engine, adapters, now=utcnow() + timedelta(hours=1)))
    session.expire_all()
    row = session.exec(select(OutboxMessage)).one()
    assert row.status == "delivered" and row.external_ref["conversation_id"] == "a:dm-leder"
    assert len([c for c in teams_env.state.activities("POST") if c["status"] == 200]) == 1
    assert session.exec(select(ChatIdentity)).one().person_id == org.people["leder"]
