"""The SMTP adapter against a local fake SMTP server (aiosmtpd on 127.0.0.1), and the worker's e-mail fallback."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from urllib.parse import urlparse

import pytest
from sqlmodel import select

from bot.main import build_wiring
from models.messages import Action, Fact, Item, Reply
from models.services import outbox, web_auth
from models.settings import Settings
from models.tables import ChatIdentity, OutboxMessage
from notifications.base import PermanentFailure, Recipient, RetryLater, Unreachable
from notifications.email import EmailAdapter, render_html, render_text
from notifications.outbox_worker import Pacer, deliver_due
from tests.live import free_port
from tests.notifications.helpers import LookupAdapter


class Inbox:
    """Collects what the fake server accepts; refuses recipients at @refused.example with 550."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.logins: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted"

    def parsed(self, i: int = -1):  # type: ignore[no-untyped-def]
        return message_from_bytes(self.messages[i][1], policy=policy.default)


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


@pytest.fixture(scope="module")
def smtp_tls() -> Iterator[tuple[Inbox, int, ssl.SSLContext]]:
    """A server that requires STARTTLS and AUTH, with a certificate from a throwaway CA (trustme)."""
    import trustme
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    inbox = Inbox()

    def auth(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        ok = isinstance(data, LoginPassword) and data.login == b"trad" and data.password == b"s3cret-pass"
        if ok:
            inbox.logins.append(data.login.decode())
        return AuthResult(success=ok)

    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_ctx, require_starttls=True,
                     auth_required=True, authenticator=auth)
    ctl.start()
    yield inbox, port, client_ctx
    ctl.stop()


def _adapter(port: int, **kw) -> EmailAdapter:  # type: ignore[no-untyped-def]
    kw.setdefault("starttls", False)
    return EmailAdapter(host="127.0.0.1", port=port, sender="Tråd <trad@kommune.example>",
                        public_base_url="https://trad.kommune.example", timeout=5, **kw)


def _recipient(email: str = "kari@kommune.example", name: str = "Kari Ansatt") -> Recipient:
    return Recipient(person_id=1, email=email, name=name, user_id=None, workspace=None, conversation_ref=None,
                     target=None)


NASTY = Reply(title="Nytt avvik AV-7: <script>alert(1)</script>", text="Gulvet & «trappa» <b>glatt</b>",
              facts=[Fact(label="Enhet", value="<Aurvoll>")],
              items=[Item(title="Tiltak <i>", actions=[Action(label="Se", action_id="x", url="/avvik/7")])],
              actions=[Action(label="Logg inn", action_id="web.login", url="/logg-inn/lenke?t=abc&x=1"),
                       Action(label="Farlig", action_id="x", url="javascript:alert(1)"),
                       Action(label="Ta saken", action_id="avvik.take", value="7")])


def test_rendering_escapes_everything_and_makes_links_absolute() -> None:
    page = render_html(NASTY, "https://trad.kommune.example")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;glatt&lt;/b&gt;" in page
    assert "&lt;Aurvoll&gt;" in page and "Tiltak &lt;i&gt;" in page
    assert 'href="https://trad.kommune.example/logg-inn/lenke?t=abc&amp;x=1"' in page
    assert 'href="https://trad.kommune.example/avvik/7"' in page
    assert "javascript:" not in page
    text = render_text(NASTY, "https://trad.kommune.example")
    assert "Logg inn: https://trad.kommune.example/logg-inn/lenke?t=abc&x=1" in text
    assert "javascript:" not in text and "https://trad.kommune.example/" in text  # buttons point to the web side


def test_delivers_plain_text_and_html_to_the_fake_server(smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    ref = asyncio.run(_adapter(port).deliver(recipient=_recipient(), reply=NASTY, previous_ref=None,
                                             dedupe_key="avvik:7:leader:3"))
    rcpt, _raw = inbox.messages[-1]
    msg = inbox.parsed()
    assert rcpt == ["kari@kommune.example"]
    assert msg["Subject"] == "Nytt avvik AV-7: <script>alert(1)</script>"  # a header is text, not markup
    assert msg["Message-ID"] == ref["email"] and msg["To"] == "Kari Ansatt <kari@kommune.example>"
    assert msg.get_body(("plain",)).get_content().startswith("Nytt avvik AV-7")
    assert "&lt;script&gt;" in msg.get_body(("html",)).get_content()
    # The same outbox row sent again carries the same Message-ID.
    again = asyncio.run(_adapter(port).deliver(recipient=_recipient(), reply=NASTY, previous_ref=None,
                                               dedupe_key="avvik:7:leader:3"))
    assert again == ref


def test_refused_address_is_unreachable_and_a_dead_server_is_retried(smtp) -> None:  # type: ignore[no-untyped-def]
    _inbox, port = smtp
    with pytest.raises(Unreachable):
        asyncio.run(_adapter(port).deliver(recipient=_recipient("x@refused.example"), reply=Reply(text="Hei"),
                                           previous_ref=None, dedupe_key="k1"))
    with pytest.raises(Unreachable):
        asyncio.run(_adapter(port).deliver(recipient=_recipient("no-address"), reply=Reply(text="Hei"),
                                           previous_ref=None, dedupe_key="k2"))
    with pytest.raises(RetryLater):
        asyncio.run(_adapter(free_port()).deliver(recipient=_recipient(), reply=Reply(text="Hei"),
                                                   previous_ref=None, dedupe_key="k3"))


def test_starttls_and_login(smtp_tls) -> None:  # type: ignore[no-untyped-def]
    inbox, port, client_ctx = smtp_tls
    adapter = _adapter(port, starttls=True, username="trad", password="s3cret-pass", ssl_context=client_ctx)
    asyncio.run(adapter.deliver(recipient=_recipient(), reply=Reply(title="Hei", text="Over TLS"), previous_ref=None,
                                dedupe_key="tls:1"))
    assert inbox.logins == ["trad"] and "Over TLS" in inbox.parsed().get_body(("plain",)).get_content()
    # Without STARTTLS the server refuses (530): a configuration error, reported as a permanent failure.
    with pytest.raises(PermanentFailure):
        asyncio.run(_adapter(port, starttls=False).deliver(recipient=_recipient(), reply=Reply(text="x"),
                                                           previous_ref=None, dedupe_key="tls:2"))


def test_settings_wire_the_adapter_and_refuse_a_placeholder_password() -> None:
    base = dict(SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False)
    assert set(build_wiring(Settings(**base)).adapters) == {"console"}
    with_mail = build_wiring(Settings(SMTP_HOST="127.0.0.1", SMTP_FROM="trad@kommune.example", **base)).adapters
    assert set(with_mail) == {"console", "email"} and with_mail["email"].port == 587
    from models.settings import SettingsError

    with pytest.raises((SettingsError, ValueError)):
        Settings(SMTP_HOST="x", SMTP_FROM="a@b", SMTP_PASSWORD="changeme", **base)


def test_worker_falls_back_to_email_for_people_without_chat_and_the_link_signs_in(engine, session, org, smtp):  # type: ignore[no-untyped-def]
    inbox, port = smtp
    before = len(inbox.messages)
    # Lise has Slack; Kari has no chat account Tråd knows and is not found by e-mail lookup.
    session.add(ChatIdentity(org_id=org.org_id, person_id=org.people["leder"], platform="slack", workspace="T1",
                             user_id="U-leder", email=org.emails["leder"]))
    session.commit()
    assert web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["ansatt"],
                                 public_base_url="https://trad.kommune.example")
    outbox.enqueue(session, org_id=org.org_id, dedupe_key="t:leder", kind="test", payload=Reply(text="Hei Lise"),
                   recipient_person_id=org.people["leder"])
    session.commit()
    slack = LookupAdapter()
    sent = asyncio.run(deliver_due(engine, {"slack": slack, "email": _adapter(port)}, pacer=Pacer({}), lease_s=300,
                                   max_attempts=3))
    assert sent == 2
    session.expire_all()
    rows = {r.dedupe_key: r for r in session.exec(select(OutboxMessage)).all()}
    login_row = next(r for k, r in rows.items() if k.startswith("web.login:"))
    assert login_row.status == "delivered" and login_row.platform == "email"
    assert rows["t:leder"].platform == "slack" and slack.keys() == ["t:leder"]
    assert len(inbox.messages) == before + 1 and inbox.messages[-1][0] == [org.emails["ansatt"]]
    body = inbox.parsed().get_body(("plain",)).get_content()
    link = next(w for w in body.split() if "/logg-inn/lenke?t=" in w)
    token = urlparse(link).query.split("t=", 1)[1]
    cookie, pid = web_auth.redeem_link(session=session, token=token)
    assert pid == org.people["ansatt"] and web_auth.session_person(session, cookie) == pid
