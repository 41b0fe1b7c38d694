"""Finding 10 of the security review: a send that hangs must not hold its row in `sending` silently."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from click.testing import CliRunner
from sqlmodel import select

from models.messages import Reply
from models.services import outbox
from models.tables import ChatIdentity, OutboxMessage
from models.tables._common import utcnow
from notifications.outbox_worker import Pacer, deliver_due
from tests.notifications.helpers import FakeAdapter, RememberingAdapter


class HangingAdapter(FakeAdapter):
    """A platform that accepts the connection and never answers."""

    async def deliver(self, *, recipient, reply, previous_ref, dedupe_key):  # type: ignore[no-untyped-def]
        self.calls += 1
        await asyncio.Event().wait()


def _setup(session, org) -> None:  # type: ignore[no-untyped-def]
    for key in ("leder", "ansatt"):
        session.add(ChatIdentity(org_id=org.org_id, person_id=org.people[key], platform="slack", workspace="T1",
                                 user_id=f"U-{key}", email=org.emails[key]))
        outbox.enqueue(session, dedupe_key=f"t:{key}", kind="test", payload=Reply(text="Hei"), org_id=org.org_id,
                       recipient_person_id=org.people[key])
    session.commit()


def _rows(session) -> dict[str, OutboxMessage]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {r.dedupe_key: r for r in session.exec(select(OutboxMessage))}


def test_a_hanging_send_is_released_logged_and_then_delivered_once(engine, session, org, caplog) -> None:  # type: ignore[no-untyped-def]
    _setup(session, org)
    hanging = HangingAdapter()
    with caplog.at_level(logging.WARNING, logger="trad.outbox"):
        n = asyncio.run(deliver_due(engine, {"slack": hanging}, pacer=Pacer({}), lease_s=300, send_timeout_s=0.2))
    assert n == 2 and hanging.calls == 2
    rows = _rows(session)
    assert all("timeout" in (r.last_error or "") for r in rows.values())
    stuck = [rec for rec in caplog.records if "no answer" in rec.getMessage()]
    assert len(stuck) == 2 and all(rec.levelno == logging.WARNING for rec in stuck)
    # due again at once (not after the 5-minute lease), and resent only where the platform has no copy
    slack = RememberingAdapter(remembered={"t:leder": {"channel": "U-leder", "ts": "9.000"}})
    assert asyncio.run(deliver_due(engine, {"slack": slack}, pacer=Pacer({}), lease_s=300,
                                   now=utcnow() + timedelta(seconds=31))) == 2
    rows = _rows(session)
    assert {k: r.status for k, r in rows.items()} == {"t:leder": "delivered", "t:ansatt": "delivered"}
    assert slack.keys() == ["t:ansatt"]


def test_trad_outbox_shows_what_has_been_sending_for_long(engine, session, org, monkeypatch, db_url) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    _setup(session, org)
    for row in session.exec(select(OutboxMessage)):
        row.status, row.claimed_at = "sending", utcnow() - timedelta(minutes=4)
        session.add(row)
    session.commit()
    monkeypatch.setenv("DATABASE_URL", db_url)
    out = CliRunner().invoke(main, ["outbox"])
    assert out.exit_code == 0, out.output
    assert "Står fast i «sending»: 2" in out.output and "i 4 min" in out.output
