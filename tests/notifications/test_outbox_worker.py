"""Outbox worker semantics against fake adapters, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from click.testing import CliRunner
from sqlmodel import select

from models.messages import Reply
from models.services import outbox
from models.settings import get_settings
from models.tables import ChatIdentity, OutboxMessage
from models.tables._common import utcnow
from notifications.base import PermanentFailure, RetryLater, Unreachable
from notifications.outbox_worker import Limit, Pacer, deliver_due
from tests.notifications.helpers import FakeAdapter, LookupAdapter, RememberingAdapter, rate_limited

NO_PACE = Pacer({})


def _identity(session, org, key: str, platform: str = "slack", user_id: str | None = None) -> None:  # type: ignore[no-untyped-def]
    session.add(ChatIdentity(org_id=org.org_id, person_id=org.people[key], platform=platform, workspace="T1",
                             user_id=user_id or f"U-{key}", email=org.emails[key]))
    session.commit()


def _enqueue(session, org, key: str, dedupe: str = "test:1", **kw) -> None:  # type: ignore[no-untyped-def]
    outbox.enqueue(session, dedupe_key=dedupe, kind="test", payload=Reply(text="Hei"), org_id=org.org_id,
                   recipient_person_id=org.people[key], **kw)
    session.commit()


def _row(session, dedupe: str = "test:1") -> OutboxMessage:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe)).one()


def run(engine, adapters, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("pacer", NO_PACE)
    kw.setdefault("lease_s", 300)
    kw.setdefault("max_attempts", 3)
    return asyncio.run(deliver_due(engine, adapters, **kw))


def test_429_waits_for_retry_after_then_delivers_once(engine, session, org) -> None:
    _identity(session, org, "leder")
    _enqueue(session, org, "leder")
    slack = FakeAdapter(script=[rate_limited(after=30)])
    t0 = utcnow()
    assert run(engine, {"slack": slack}, now=t0) == 1
    row = _row(session)
    assert row.status == "pending" and "429" in row.last_error
    assert row.next_attempt_at >= t0 + timedelta(seconds=29)
    assert run(engine, {"slack": slack}, now=t0 + timedelta(seconds=10)) == 0  # not due yet
    assert run(engine, {"slack": slack}, now=utcnow() + timedelta(seconds=120)) == 1
    row = _row(session)
    assert row.status == "delivered" and row.external_ref == {"channel": "U-leder", "ts": "1.000"}
    assert row.platform == "slack"
    assert slack.keys() == ["test:1"] and slack.calls == 2


def test_5xx_is_retried_with_backoff_and_never_lost(engine, session, org) -> None:
    _identity(session, org, "leder")
    _enqueue(session, org, "leder")
    slack = FakeAdapter(script=[RetryLater("HTTP 503"), RetryLater("HTTP 502"), RetryLater("HTTP 500")])
    for _ in range(3):
        run(engine, {"slack": slack}, now=utcnow() + timedelta(hours=2), max_attempts=2)
        assert _row(session).status == "pending"  # RetryLater never fails a message, whatever max_attempts
    run(engine, {"slack": slack}, now=utcnow() + timedelta(hours=2))
    assert _row(session).status == "delivered" and slack.keys() == ["test:1"]


def test_permanent_failure_fails_after_max_attempts_with_error(engine, session, org) -> None:
    _identity(session, org, "leder")
    _enqueue(session, org, "leder")
    slack = FakeAdapter(script=[PermanentFailure("invalid_blocks")] * 5)
    run(engine, {"slack": slack}, max_attempts=2)
    assert _row(session).status == "pending"
    run(engine, {"slack": slack}, max_attempts=2, now=utcnow() + timedelta(hours=1))
    row = _row(session)
    assert row.status == "failed" and row.attempts == 2 and "invalid_blocks" in row.last_error
    assert run(engine, {"slack": slack}, now=utcnow() + timedelta(days=1)) == 0


def test_unreachable_leader_is_listed_by_trad_outbox(engine, session, org) -> None:
    _enqueue(session, org, "leder")  # no chat identity, and Slack does not know the e-mail
    run(engine, {"slack": LookupAdapter()})
    assert _row(session).status == "unreachable"
    from bot.cli import main

    out = CliRunner().invoke(main, ["outbox"]).output
    assert "unreachable 1" in out and org.emails["leder"] in out and "test:1" in out


def test_trad_deliver_once_puts_demo_messages_in_the_configured_console_inbox(engine, session, org, tmp_path,
                                                                            monkeypatch) -> None:
    """Without Slack or Teams, `trad deliver --once` delivers to the console inbox at TRAD_CONSOLE_INBOX."""
    from bot.cli import main
    from bot.console.delivery import ConsoleInbox

    inbox = tmp_path / "elsewhere" / "inbox.jsonl"
    monkeypatch.setenv("TRAD_CONSOLE_INBOX", str(inbox))
    get_settings.cache_clear()
    _enqueue(session, org, "leder")
    r = CliRunner().invoke(main, ["deliver", "--once"])
    assert r.exit_code == 0 and "Behandlet 1 meldinger." in r.output
    assert _row(session).status == "delivered"
    got, _ = ConsoleInbox(inbox).read(org.emails["leder"])
    assert [m.text for m in got] == ["Hei"]


def test_adapter_unreachable_falls_back_to_next_platform(engine, session, org) -> None:
    _identity(session, org, "leder", platform="slack")
    _identity(session, org, "leder", platform="teams")  # most recently updated: tried first
    _enqueue(session, org, "leder")
    teams = FakeAdapter(platform="teams", script=[Unreachable("app not installed")])
    slack = FakeAdapter()
    run(engine, {"slack": slack, "teams": teams})
    row = _row(session)
    assert row.status == "delivered" and row.platform == "slack" and slack.keys() == ["test:1"]


def test_leader_found_by_email_gets_message_and_identity_is_stored(engine, session, org) -> None:
    _enqueue(session, org, "leder")
    slack = LookupAdapter(users={org.emails["leder"]: "U777"})
    run(engine, {"slack": slack})
    assert _row(session).status == "delivered"
    assert slack.sent[0][1].user_id == "U777"
    ident = session.exec(select(ChatIdentity).where(ChatIdentity.person_id == org.people["leder"])).one()
    assert (ident.platform, ident.user_id, ident.workspace) == ("slack", "U777", "T1")


def test_demo_mode_delivers_to_console_inbox(engine, session, org) -> None:
    from bot.console.delivery import ConsoleAdapter, ConsoleInbox

    _enqueue(session, org, "leder")
    inbox = ConsoleInbox(get_settings().console_inbox)
    run(engine, {"console": ConsoleAdapter(inbox)})
    assert _row(session).status == "delivered"
    got, _ = inbox.read(org.emails["leder"])
    assert [r.text for r in got] == ["Hei"]


def test_rows_for_unconfigured_platform_stay_pending(engine, session, org) -> None:
    outbox.enqueue(session, dedupe_key="chan:1", kind="summary", payload=Reply(text="x"), platform="teams", target="19:abc")
    session.commit()
    assert run(engine, {"slack": FakeAdapter()}) == 0
    assert _row(session, "chan:1").status == "pending"


def test_stuck_sending_row_is_reclaimed_after_the_lease(engine, session, org) -> None:
    _identity(session, org, "leder")
    _enqueue(session, org, "leder", dedupe="a")
    _enqueue(session, org, "leder", dedupe="b")
    for key, age in (("a", timedelta(minutes=20)), ("b", timedelta(seconds=5))):
        row = _row(session, key)
        row.status, row.claimed_at, row.attempts = "sending", utcnow() - age, 1
        session.add(row)
    session.commit()
    slack = FakeAdapter()
    assert run(engine, {"slack": slack}, lease_s=600) == 1  # only the crashed one; "b" is still in its lease
    assert slack.keys() == ["a"] and _row(session, "a").status == "delivered"
    assert _row(session, "b").status == "sending"


def test_reclaimed_row_already_sent_is_not_sent_again(engine, session, org) -> None:
    _identity(session, org, "leder")
    _enqueue(session, org, "leder")
    row = _row(session)
    row.status, row.claimed_at = "sending", utcnow() - timedelta(hours=1)
    session.add(row)
    session.commit()
    slack = RememberingAdapter(remembered={"test:1": {"channel": "D1", "ts": "99.1"}})
    run(engine, {"slack": slack})
    row = _row(session)
    assert row.status == "delivered" and row.external_ref == {"channel": "D1", "ts": "99.1"} and slack.calls == 0


def test_update_of_key_passes_the_original_reference(engine, session, org) -> None:
    _identity(session, org, "leder")
    _enqueue(session, org, "leder", dedupe="orig")
    _enqueue(session, org, "leder", dedupe="upd-1", update_of_key="orig")
    slack = FakeAdapter()
    run(engine, {"slack": slack}, limit=1)  # the original first
    run(engine, {"slack": slack})
    assert slack.sent[1][0] == "upd-1" and slack.sent[1][2] == {"channel": "U-leder", "ts": "1.000"}


def test_update_waits_for_original_and_older_updates_are_superseded(engine, session, org) -> None:
    _identity(session, org, "leder")
    _enqueue(session, org, "leder", dedupe="orig", not_before=utcnow() + timedelta(hours=1))
    _enqueue(session, org, "leder", dedupe="upd-1", update_of_key="orig")
    _enqueue(session, org, "leder", dedupe="upd-2", update_of_key="orig")
    slack = FakeAdapter()
    run(engine, {"slack": slack})
    assert slack.sent == [] and _row(session, "upd-2").status == "pending"  # original not delivered yet
    later = utcnow() + timedelta(hours=2)
    while run(engine, {"slack": slack}, now=later):
        pass
    assert slack.keys() == ["orig", "upd-2"]
    assert _row(session, "upd-1").last_error == "superseded by a newer update"


def test_pacer_spaces_sends_per_workspace_and_per_channel() -> None:
    p = Pacer({"slack": Limit(rate_per_s=5, channel_interval_s=1.0)}, headroom=1.0)
    assert [round(p.reserve("slack", f"C{i}", now=0.0), 3) for i in range(4)] == [0.0, 0.2, 0.4, 0.6]
    assert round(p.reserve("slack", "C0", now=0.0), 3) == 1.0  # same channel: one per second
    assert p.reserve("console", "x", now=0.0) == 0.0


def test_two_workers_at_once_deliver_every_row_exactly_once(engine, session, org) -> None:
    _identity(session, org, "leder")
    keys = [f"k:{i}" for i in range(60)]
    for k in keys:
        outbox.enqueue(session, dedupe_key=k, kind="test", payload=Reply(text=k), org_id=org.org_id,
                       recipient_person_id=org.people["leder"])
    session.commit()
    slack = FakeAdapter()
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        while run(engine, {"slack": slack}, limit=7):
            pass

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(slack.keys()) == sorted(keys)
    session.expire_all()
    assert {r.status for r in session.exec(select(OutboxMessage)).all()} == {"delivered"}


def test_candidates_without_prefetch_read_person_and_identities(engine, session, org) -> None:
    """The fallback reads (used when a row was not prefetched) return values usable after the transaction."""
    from models.services.outbox_recipients import addressee, identities_of
    from models.uow import UnitOfWork

    _identity(session, org, "leder")
    _identity(session, org, "leder", platform="teams", user_id="29:leder")
    with UnitOfWork(engine).read() as tx:
        p = addressee(session=tx, person_id=org.people["leder"])
        idents = identities_of(session=tx, person_ids=[org.people["leder"]], platforms={"slack"})
    assert p is not None and p.email == org.emails["leder"]
    assert [i.user_id for i in idents[org.people["leder"]]] == ["U-leder"]
