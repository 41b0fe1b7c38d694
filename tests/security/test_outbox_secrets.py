"""Finding 5 and 7 of the security review: no usable sign-in link in the outbox, and no submission time.

A copy of the database (a backup, a support dump) must not let anyone sign in, and the outbox must not
place an anonymous varsel more precisely than its date.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models.errors import PermissionDenied
from models.services import varsling_keys as keys
from models.services import web_auth
from models.tables import OutboxMessage
from models.tables._common import utcnow
from notifications.outbox_worker import Pacer, deliver_due
from tests.notifications.helpers import FakeAdapter
from tests.varsling.helpers import give_keys, submit

BASE = "https://trad.example"
TOKENISH = re.compile(r"[A-Za-z0-9_\-]{20,}")


class CapturingAdapter(FakeAdapter):
    """Keeps the rendered replies, as the person's chat would show them."""

    def __init__(self) -> None:
        super().__init__(platform="console")
        self.replies: list = []

    async def deliver(self, *, recipient, reply, previous_ref, dedupe_key):  # type: ignore[no-untyped-def]
        self.replies.append(reply)
        return await super().deliver(recipient=recipient, reply=reply, previous_ref=previous_ref,
                                     dedupe_key=dedupe_key)


def _deliver(engine, now: datetime | None = None) -> CapturingAdapter:  # type: ignore[no-untyped-def]
    adapter = CapturingAdapter()
    asyncio.run(deliver_due(engine, {"console": adapter}, pacer=Pacer({}), now=now))
    return adapter


def _tokens_in_outbox(session) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    blob = " ".join(json.dumps(r.payload) + " " + (r.dedupe_key or "") for r in session.exec(select(OutboxMessage)))
    return TOKENISH.findall(blob)


def _token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["t"][0]


def test_staff_link_is_delivered_but_never_stored(engine, session, org) -> None:  # type: ignore[no-untyped-def]
    assert web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["leder"], public_base_url=BASE)
    assert _tokens_in_outbox(session) == [] or all(
        not web_auth.link_is_usable(session, token=t) for t in _tokens_in_outbox(session))
    adapter = _deliver(engine)
    [reply] = adapter.replies
    token = _token_of(reply.actions[0].url)
    session.expire_all()
    assert web_auth.link_is_usable(session, token=token)  # the person got a working link …
    for candidate in _tokens_in_outbox(session):  # … and nothing in the outbox signs anyone in
        with pytest.raises(PermissionDenied):
            web_auth.redeem_link(session=session, token=candidate)
    assert token not in json.dumps([r.payload for r in session.exec(select(OutboxMessage))])
    web_auth.redeem_link(session=session, token=token)


def test_recipient_links_are_delivered_but_never_stored(engine, session, org) -> None:  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    assert keys.send_login_link(session=session, org_id=org.org_id, email=org.emails["mottaker"], public_base_url=BASE)
    submit(session, org)
    adapter = _deliver(engine, now=utcnow() + timedelta(days=1))
    assert len(adapter.replies) == 2
    delivered = [_token_of(r.actions[0].url) for r in adapter.replies]
    for candidate in _tokens_in_outbox(session):
        with pytest.raises(PermissionDenied):
            keys.redeem_login_token(session=session, token=candidate)
    for token in delivered:
        keys.redeem_login_token(session=session, token=token)


def test_old_plain_links_are_scrubbed_by_housekeeping(engine, session, org) -> None:  # type: ignore[no-untyped-def]
    from models.messages import Action, Reply
    from models.services import outbox, outbox_links

    outbox.enqueue(session, dedupe_key="legacy", kind="web.login", recipient_person_id=org.people["leder"],
                   payload=Reply(text="x", actions=[Action(label="Logg inn", action_id="web.login",
                                                           url=f"{BASE}/logg-inn/lenke?t=abcdefghijklmnopqrstuvwxyz")]))
    session.commit()
    _deliver(engine)
    from models.settings import Settings
    from notifications.jobs import housekeeping

    assert housekeeping(engine=engine, settings=Settings())["links_scrubbed"] == 1
    assert _tokens_in_outbox(session) == []
    assert outbox_links.scrub_delivered(session=session) == 0


def test_varsel_notice_is_batched_and_placed_by_date_only(session, org) -> None:  # type: ignore[no-untyped-def]
    from models.messages import Reply
    from models.services import outbox

    give_keys(session, org, "mottaker")
    outbox.enqueue(session, dedupe_key="before", kind="test", payload=Reply(text="a"))
    session.commit()
    submit(session, org)
    outbox.enqueue(session, dedupe_key="after", kind="test", payload=Reply(text="b"))
    session.commit()
    session.expire_all()
    rows = {r.dedupe_key: r for r in session.exec(select(OutboxMessage))}
    notice = next(r for k, r in rows.items() if k.startswith("varsling.new:"))
    due = notice.next_attempt_at.replace(tzinfo=notice.next_attempt_at.tzinfo or UTC).astimezone(ZoneInfo("Europe/Oslo"))
    assert (due.hour, due.minute, due.second, due.microsecond) in {(8, 0, 0, 0), (14, 0, 0, 0)}
    created = notice.created_at
    assert (created.hour, created.minute, created.second, created.microsecond) == (0, 0, 0, 0)
    # its id does not sit between the rows enqueued just before and just after the submission
    assert not rows["before"].id < notice.id < rows["after"].id
    # nor does the sign-in token row it will use exist yet (its expiry would give the time away)
    from models.tables.varsling import RecipientLoginToken

    assert session.exec(select(RecipientLoginToken)).all() == []
