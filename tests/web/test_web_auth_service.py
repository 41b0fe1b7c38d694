"""Sign-in links and sessions: expiry, single use, hashes only, no enumeration, rate limit, sliding sessions."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from models.errors import PermissionDenied
from models.services import web_auth
from models.tables import OutboxMessage
from models.tables._common import utcnow
from models.tables.web_auth import WebLoginToken, WebSession


def _token_from_outbox(session, person_id: int, now=None) -> str:  # type: ignore[no-untyped-def]
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient_person_id == person_id,
                                                    OutboxMessage.kind == "web.login")
                        .order_by(OutboxMessage.id.desc())).all()  # type: ignore[union-attr]
    from models.services import outbox_links  # minted as the outbox worker does at delivery

    url = outbox_links.mint(session=session, payload=rows[0].payload, now=now)["actions"][0]["url"]
    return parse_qs(urlparse(url).query)["t"][0]


def test_link_goes_to_outbox_as_auto_and_only_its_hash_is_stored(session, org):  # type: ignore[no-untyped-def]
    pid = org.people["ansatt"]
    assert web_auth.request_link(session=session, org_id=org.org_id, email=" ANSATT@testkommune.no ",
                                 public_base_url="https://trad.example/")
    row = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "web.login")).one()
    assert row.platform == "auto" and row.recipient_person_id == pid
    token = _token_from_outbox(session, pid)
    assert row.payload["actions"][0]["url"].startswith("https://trad.example/logg-inn/lenke?t={mint:web:")
    assert len(token) >= 43  # 32 random bytes, url-safe
    stored = session.exec(select(WebLoginToken)).one()
    assert stored.token_hash == web_auth.token_hash(token) and token not in stored.token_hash


def test_unknown_or_inactive_address_sends_nothing(session, org):  # type: ignore[no-untyped-def]
    assert not web_auth.request_link(session=session, org_id=org.org_id, email="nobody@testkommune.no",
                                     public_base_url="http://x")
    assert not web_auth.request_link(session=session, org_id=org.org_id, email="", public_base_url="http://x")
    assert session.exec(select(OutboxMessage)).all() == []
    assert session.exec(select(WebLoginToken)).all() == []


def test_link_is_single_use_and_opens_a_session_stored_as_hash(session, org):  # type: ignore[no-untyped-def]
    web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["leder"], public_base_url="http://x")
    token = _token_from_outbox(session, org.people["leder"])
    assert web_auth.link_is_usable(session, token=token)
    cookie, pid = web_auth.redeem_link(session=session, token=token)
    assert pid == org.people["leder"]
    assert web_auth.session_person(session, cookie) == pid
    assert session.exec(select(WebSession)).one().token_hash == web_auth.token_hash(cookie)
    with pytest.raises(PermissionDenied):
        web_auth.redeem_link(session=session, token=token)
    assert not web_auth.link_is_usable(session, token=token)
    with pytest.raises(PermissionDenied):
        web_auth.redeem_link(session=session, token="not-a-token")


def test_link_expires_after_15_minutes(session, org):  # type: ignore[no-untyped-def]
    then = utcnow() - timedelta(minutes=16)
    web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["ansatt"], public_base_url="http://x",
                          now=then)
    token = _token_from_outbox(session, org.people["ansatt"], now=then)  # delivered then: the 15 minutes run from delivery
    with pytest.raises(PermissionDenied):
        web_auth.redeem_link(session=session, token=token)
    # Just inside the window it works.
    just = utcnow() - timedelta(minutes=14)
    web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["ansatt"], public_base_url="http://x",
                          now=just)
    web_auth.redeem_link(session=session, token=_token_from_outbox(session, org.people["ansatt"], now=just))


def test_requests_are_rate_limited_per_person(session, org):  # type: ignore[no-untyped-def]
    sent = [web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["ansatt"],
                                  public_base_url="http://x") for _ in range(5)]
    assert sent == [True, True, True, False, False]
    # Another person is not affected.
    assert web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["ansatt2"],
                                 public_base_url="http://x")
    # After the window, a new link can be sent.
    assert web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["ansatt"],
                                 public_base_url="http://x", now=utcnow() + timedelta(minutes=16))


def test_session_slides_and_expires_and_ends(session, org):  # type: ignore[no-untyped-def]
    link = web_auth.issue_link(session=session, person_id=org.people["ansatt"], public_base_url="http://x")
    cookie, pid = web_auth.redeem_link(session=session, token=parse_qs(urlparse(link).query)["t"][0])
    later = utcnow() + timedelta(hours=7)
    assert web_auth.session_person(session, cookie, now=later) == pid  # used: expiry moves to later + 8 h
    assert web_auth.session_person(session, cookie, now=later + timedelta(hours=7)) == pid
    assert web_auth.session_person(session, cookie, now=later + timedelta(hours=7 + 8, minutes=1)) is None
    cookie2, _ = web_auth.redeem_link(session=session, token=parse_qs(urlparse(
        web_auth.issue_link(session=session, person_id=pid, public_base_url="http://x")).query)["t"][0])
    web_auth.end_session(session=session, cookie=cookie2)
    assert web_auth.session_person(session, cookie2) is None
    assert web_auth.session_person(session, None) is None
