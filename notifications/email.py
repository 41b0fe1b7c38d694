"""E-mail delivery over SMTP, for people without Slack or Teams (sign-in links, avvik notices).

Why stdlib smtplib in a thread: it is synchronous, well understood, and supports STARTTLS
and AUTH; the outbox worker calls `deliver` from its event loop, so the blocking send runs
in a worker thread. The neutral `Reply` becomes a plain-text part and a simple HTML part
with every piece of user text escaped and every link absolute. E-mail cannot edit a sent
message, so an update (`previous_ref`) is sent as a new message.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Any

from models.i18n import _, current_locale
from models.messages import Action, Reply
from notifications.base import PermanentFailure, Recipient, RetryLater, Unreachable

MAX_SUBJECT = 150


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def absolute(url: str | None, base: str) -> str | None:
    """Relative links become absolute under PUBLIC_BASE_URL; anything but http(s) is dropped."""
    if not url:
        return None
    if url.startswith("/") and not url.startswith("//"):
        url = base.rstrip("/") + url
    return url if url.lower().startswith(("https://", "http://")) else None


def subject_of(reply: Reply) -> str:
    subject = _one_line(reply.title or reply.text.split("\n", 1)[0] or _("Melding fra Tråd"))
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    return subject


def _links(actions: list[Action], base: str) -> list[tuple[str, str]]:
    out = []
    for a in actions:
        url = absolute(a.url, base)
        if url:
            out.append((a.label, url))
    return out


def _has_buttons(reply: Reply) -> bool:
    return any(not a.url for a in reply.actions) or any(not a.url for i in reply.items for a in i.actions)


def render_text(reply: Reply, base: str) -> str:
    lines: list[str] = []
    if reply.title:
        lines += [reply.title, ""]
    if reply.text:
        lines += [reply.text, ""]
    for f in reply.facts:
        lines.append(f"{f.label}: {f.value}")
    if reply.facts:
        lines.append("")
    for item in reply.items:
        lines.append(f"- {item.title}")
        if item.text:
            lines.append(f"  {item.text}")
        lines += [f"  {f.label}: {f.value}" for f in item.facts]
        lines += [f"  {label}: {url}" for label, url in _links(item.actions, base)]
    if reply.items:
        lines.append("")
    lines += [f"{label}: {url}" for label, url in _links(reply.actions, base)]
    if _has_buttons(reply) and base:
        lines.append(_("Åpne Tråd for å behandle saken") + f": {base.rstrip('/')}/")
    lines += ["", "– Tråd"]
    return "\n".join(lines).strip() + "\n"


def render_html(reply: Reply, base: str) -> str:
    e = html.escape
    parts = [f'<!doctype html><html lang="{current_locale()}"><head><meta charset="utf-8"></head>'
             '<body style="font-family:Arial,sans-serif;color:#1a1a1a;line-height:1.5">']
    if reply.title:
        parts.append(f"<h1 style=\"font-size:1.3em\">{e(reply.title)}</h1>")
    if reply.text:
        parts.append("<p>" + e(reply.text).replace("\n", "<br>") + "</p>")
    if reply.facts:
        parts.append("<dl>" + "".join(f"<dt><strong>{e(f.label)}</strong></dt><dd>{e(f.value)}</dd>"
                                      for f in reply.facts) + "</dl>")
    if reply.items:
        parts.append("<ul>")
        for item in reply.items:
            facts = "".join(f"<br>{e(f.label)}: {e(f.value)}" for f in item.facts)
            links = "".join(f'<br><a href="{e(url)}">{e(label)}</a>' for label, url in _links(item.actions, base))
            text = f"<br>{e(item.text)}" if item.text else ""
            parts.append(f"<li><strong>{e(item.title)}</strong>{text}{facts}{links}</li>")
        parts.append("</ul>")
    for label, url in _links(reply.actions, base):
        parts.append(f'<p><a href="{e(url)}" style="display:inline-block;padding:.5em 1em;background:#0b4f8a;'
                     f'color:#fff;text-decoration:none;border-radius:3px"><strong>{e(label)}</strong></a></p>')
    if _has_buttons(reply) and base:
        url = base.rstrip("/") + "/"
        parts.append(f'<p><a href="{e(url)}">{e(_("Åpne Tråd for å behandle saken"))}</a></p>')
    parts.append('<p style="color:#4a4a4a">– Tråd</p></body></html>')
    return "".join(parts)


class EmailAdapter:
    """Delivers a neutral Reply as one e-mail to the recipient's address (platform "email")."""

    platform = "email"

    def __init__(self, *, host: str, sender: str, port: int = 587, username: str | None = None,
                 password: str | None = None, starttls: bool = True, public_base_url: str = "",
                 timeout: float = 20.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.timeout = starttls, timeout
        self.public_base_url = public_base_url
        self.ssl_context = ssl_context

    @classmethod
    def from_settings(cls, settings: Any) -> EmailAdapter:
        return cls(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                   username=settings.smtp_username, password=settings.smtp_password,
                   starttls=settings.smtp_starttls, public_base_url=settings.public_base_url)

    def build(self, *, recipient: Recipient, reply: Reply, dedupe_key: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = formataddr((_one_line(recipient.name or ""), recipient.email or ""))
        msg["Subject"] = subject_of(reply)
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "trad.local"
        # Stable per outbox row: a resend after a crash carries the same id, so mail clients can fold it.
        msg["Message-ID"] = f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]}@{domain}>"
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(render_text(reply, self.public_base_url))
        msg.add_alternative(render_html(reply, self.public_base_url), subtype="html")
        return msg

    def _send(self, msg: EmailMessage) -> None:
        context = self.ssl_context or ssl.create_default_context()
        if self.port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls and self.port != 465:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    async def deliver(self, *, recipient: Recipient, reply: Reply, previous_ref: dict | None,
                      dedupe_key: str) -> dict:
        email = (recipient.email or "").strip()
        if not email or "@" not in email or any(c in email for c in "\r\n<>,"):
            raise Unreachable("no usable e-mail address")
        msg = self.build(recipient=recipient, reply=reply, dedupe_key=dedupe_key)
        try:
            await asyncio.to_thread(self._send, msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Unreachable(f"address refused: {exc.recipients}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentFailure(f"SMTP login failed ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise RetryLater(f"SMTP {exc.smtp_code}", after=60) from None
            raise PermanentFailure(f"SMTP {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:  # connection refused, timeouts, TLS errors
            raise RetryLater(f"SMTP unavailable: {type(exc).__name__}", after=30) from None
        return {"email": msg["Message-ID"]}


def build_adapter(settings: Any) -> EmailAdapter | None:
    return EmailAdapter.from_settings(settings) if settings.email_enabled else None
