"""Sending one claimed outbox row: pick a platform, wait for the pacing slot, send, record the outcome.

Why apart from the worker (`notifications.outbox_worker`, which claims rows and runs the loop):
the rules of one send (candidates best first, `find_sent` before resending a reclaimed row,
RetryLater only moves `next_attempt_at`, the per-row deadline) read best alone, and the worker's
claiming loop changed (issue 13: fair claims, no batch barrier) without touching them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from models import foreground
from models.i18n import use_locale
from models.messages import Reply
from models.services import outbox_delivery as rows
from models.services import outbox_links as links
from models.services import outbox_recipients as recipients
from models.services.languages import kommune_locale
from models.services.outbox_delivery import Claimed
from models.services.outbox_recipients import Addressee, Identity
from models.uow import UnitOfWork
from notifications.base import Adapter, PermanentFailure, Recipient, RetryLater, Unreachable
from notifications.pacing import Pacer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("trad.outbox")

DEFAULT_LEASE_S = 20.0  # renewed by a heartbeat while the worker holds rows (`_heartbeat`)
# A send (pacing, the platform's calls, the after-delivery hook) gets this long before the row is
# released for a retry (see `_send_deadline`); the heartbeat keeps the claim meanwhile.
DEFAULT_SEND_TIMEOUT_S = 45.0
STUCK_REPORT_EVERY_S = 60.0
DEFAULT_MAX_ATTEMPTS = 5
UPDATE_WAIT_S = 15.0  # an update whose original is not delivered yet waits this long
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 1800.0
NO_CHANNEL = "ingen kanal: personen har ingen Slack-/Teams-konto Tråd kjenner, og finnes ikke ved oppslag på e-post"

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> float:
    """Exponential back-off with full jitter around the centre: 1, 2, 4 … s (×0.5–1.5), capped."""
    centre = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return centre * random.uniform(0.5, 1.5)


class _Rows:
    """The worker's door to the outbox: each call is one short transaction in a worker thread,
    so the event loop never waits on the database."""

    def __init__(self, engine: Engine) -> None:
        self.uow = UnitOfWork(engine)

    def _write(self, fn: Callable[..., T], kw: dict[str, Any]) -> T:
        with self.uow.write() as tx:
            return fn(session=tx, **kw)

    def _read(self, fn: Callable[..., T], kw: dict[str, Any]) -> T:
        with self.uow.read() as tx:
            return fn(session=tx, **kw)

    async def write(self, fn: Callable[..., T], **kw: Any) -> T:
        return await asyncio.to_thread(self._write, fn, kw)

    async def read(self, fn: Callable[..., T], **kw: Any) -> T:
        return await asyncio.to_thread(self._read, fn, kw)


# ---------------------------------------------------------------------------------------- resolving
def _recipient(person: Addressee | None, ident: Identity | None, target: str | None,
               org_id: int | None = None) -> Recipient:
    return Recipient(person_id=person.id if person else None, email=person.email if person else None,
                     name=person.name if person else None, user_id=ident.user_id if ident else None,
                     workspace=ident.workspace if ident else None,
                     conversation_ref=ident.conversation_ref if ident else None, target=target, org_id=org_id)


async def _looked_up(db: _Rows, adapters: dict[str, Adapter], name: str,
                     person: Addressee, org_id: int | None) -> Identity | None:
    """The person's account on `name` found by e-mail (and remembered), if the adapter can look people up."""
    finder = getattr(adapters[name], "find_user", None)
    if finder is None or name == "console":
        return None
    try:  # an adapter serving many workspaces looks in the kommune's own (`per_org`)
        found = await finder(email=person.email, **({"org_id": org_id} if getattr(adapters[name], "per_org", False)
                                                   else {}))
    except RetryLater:
        raise
    except Exception as exc:  # noqa: BLE001  - a lookup failure means "not found here"
        log.info("find_user on %s failed: %s", name, exc)
        return None
    if not (found and found.get("user_id")):
        return None
    await db.write(recipients.remember_identity, platform=name, person=person, found=found)
    return Identity(platform=name, workspace=str(found.get("workspace") or ""), user_id=str(found["user_id"]),
                    conversation_ref=found.get("conversation_ref"))


async def _candidates(db: _Rows, adapters: dict[str, Adapter], row: Claimed,
                      only_platform: str | None) -> AsyncIterator[tuple[str, Recipient]]:
    """Where to send a row, best first: the row's platform, the person's identities, a lookup by e-mail, console."""
    person = row.person
    if person is None and row.recipient_person_id:
        person = await db.read(recipients.addressee, person_id=row.recipient_person_id)
    platform = only_platform or (row.platform if row.platform != "auto" else None)
    if person is None:
        if row.target and platform is not None and platform in adapters:
            yield platform, _recipient(None, None, row.target, row.org_id)
        elif row.target and row.platform == "auto" and len(adapters) == 1:
            yield next(iter(adapters)), _recipient(None, None, row.target, row.org_id)
        return
    if not person.active:
        return
    wanted = {platform} if platform else set(adapters)
    if row.identities is not None:
        idents = [i for i in row.identities if i.platform in wanted]
    else:
        found = await db.read(recipients.identities_of, person_ids=[person.id], platforms=wanted)
        idents = found.get(person.id, [])
    tried: set[str] = set()
    for ident in idents:
        tried.add(ident.platform)
        yield ident.platform, _recipient(person, ident, row.target, row.org_id)
    for name in sorted(wanted - tried):
        looked_up = await _looked_up(db, adapters, name, person, row.org_id)
        if looked_up is not None:
            yield name, _recipient(person, looked_up, row.target, row.org_id)
    if "email" in wanted and "email" not in tried and person.email:
        # No chat account reached: e-mail, when this deployment has SMTP configured.
        yield "email", _recipient(person, None, row.target, row.org_id)
    if "console" in wanted and set(adapters) == {"console"} and "console" not in tried:
        yield "console", _recipient(person, None, row.target, row.org_id)


# ---------------------------------------------------------------------------------------- delivering
async def _update_ref(db: _Rows, adapters: dict[str, Adapter], row: Claimed) -> tuple[str | None, dict | None, str | None]:
    """For an update: (outcome if settled without sending, the original's reference, its platform)."""
    orig = await db.read(rows.original_of, update_of_key=row.update_of_key, row_id=row.id)
    if orig.superseded:
        await db.write(rows.mark_superseded, row_id=row.id, at=utcnow())
        return "delivered", None, None
    if orig.status in ("pending", "sending"):
        await db.write(rows.reschedule, row_id=row.id, attempts=row.attempts - 1,
                       at=utcnow() + timedelta(seconds=UPDATE_WAIT_S))
        return "pending", None, None
    if orig.status == "delivered" and orig.external_ref and orig.platform in adapters:
        return None, orig.external_ref, orig.platform
    return None, None, None


async def _rendered(db: _Rows, row: Claimed) -> Reply:
    """The row's reply, with any sign-in link minted now (`outbox_links`): the outbox never stores one."""
    if not links.has_placeholder(row.payload):
        return Reply.model_validate(row.payload)
    return Reply.model_validate(await db.write(links.mint, payload=row.payload))


async def _send(db: _Rows, adapters: dict[str, Adapter], row: Claimed, pacer: Pacer,
                previous_ref: dict | None, only_platform: str | None) -> str | None:
    """Try each candidate until one takes the message; the last Unreachable reason if none did."""
    reply: Reply | None = None
    last_error = NO_CHANNEL
    async for platform, recipient in _candidates(db, adapters, row, only_platform):
        adapter = adapters[platform]
        channel = recipient.target or recipient.user_id or recipient.email
        try:
            find_sent = getattr(adapter, "find_sent", None)
            if row.reclaimed and previous_ref is None and find_sent is not None:
                sent = await find_sent(recipient=recipient, dedupe_key=row.dedupe_key)
                if sent:
                    await db.write(rows.mark_delivered, row_id=row.id, at=utcnow(), external_ref=sent,
                                   platform=platform)
                    return None
            # render (and mint any sign-in link) before the pacing wait, so the post leaves at its slot:
            # work between the slot and the post is lateness, and lateness breaks Slack's 1-second window
            reply = reply or await _rendered(db, row)
            await pacer.wait(platform, channel, recipient.workspace)
            ref = await _through_gate(adapter, pacer, platform, recipient, reply, previous_ref, row)
        except Unreachable as exc:
            last_error = f"{platform}: {exc}"
            continue
        except RetryLater as exc:
            await pacer.hold(platform, channel, exc.after or 0.0, recipient.workspace)
            raise
        await _record_sent(db, row, platform, ref)
        return None
    return last_error


async def _through_gate(adapter: Adapter, pacer: Pacer, platform: str, recipient: Recipient, reply: Reply,
                        previous_ref: dict | None, row: Claimed) -> dict:
    """Deliver through the send-time gate (`Pacer.gate`): the spacing of what really leaves. An adapter
    that can awaits it right before each post (`gates_each_post`), after its own rendering and token
    look-up, whose time would otherwise sit between the gate and the wire."""
    gate = functools.partial(pacer.gate, platform, recipient.workspace)
    # the renderer's own labels (buttons, headings) in the language the text was written in
    with use_locale(reply.locale, kommune_locale(row.org_id)):
        if getattr(adapter, "gates_each_post", False):
            return await adapter.deliver(recipient=recipient, reply=reply, previous_ref=previous_ref,  # type: ignore[call-arg]
                                         dedupe_key=row.dedupe_key, gate=gate)
        await gate()
        return await adapter.deliver(recipient=recipient, reply=reply, previous_ref=previous_ref,
                                     dedupe_key=row.dedupe_key)


class SentNotRecorded(Exception):
    """The platform took the message but the outbox could not record it: leave the row `sending`,
    so it is reclaimed after the lease and `find_sent` finds the post instead of sending it again."""


async def _record_sent(db: _Rows, row: Claimed, platform: str, ref: dict | None) -> None:
    try:
        await db.write(rows.mark_delivered, row_id=row.id, at=utcnow(), external_ref=ref or {}, platform=platform)
    except Exception as exc:
        raise SentNotRecorded(f"{row.dedupe_key} sent on {platform}, not recorded") from exc


async def _deliver_one(db: _Rows, adapters: dict[str, Adapter], row: Claimed, pacer: Pacer,
                       max_attempts: int) -> str:
    """Send one claimed row and record the outcome; returns the new status."""
    previous_ref: dict | None = None
    only_platform: str | None = None
    await foreground.give_way_async()  # a send's work on the event loop waits for the acks under way
    if row.update_of_key:
        settled, previous_ref, only_platform = await _update_ref(db, adapters, row)
        if settled is not None:
            return settled
    try:
        unreachable = await _send(db, adapters, row, pacer, previous_ref, only_platform)
    except SentNotRecorded:
        raise  # rescheduling would resend without asking the platform first
    except RetryLater as exc:
        delay = max(exc.after or 0.0, backoff(row.attempts))
        await db.write(rows.reschedule, row_id=row.id, error=f"retry: {exc}", at=utcnow() + timedelta(seconds=delay))
        return "pending"
    except Exception as exc:  # noqa: BLE001  - PermanentFailure and anything unexpected: bounded retries
        kind = "permanent" if isinstance(exc, PermanentFailure) else type(exc).__name__
        if not isinstance(exc, PermanentFailure):
            log.exception("delivering %s failed", row.dedupe_key)
        if row.attempts >= max_attempts:
            await db.write(rows.mark_failed, row_id=row.id, error=f"{kind}: {exc}")
            return "failed"
        await db.write(rows.reschedule, row_id=row.id, error=f"{kind}: {exc}",
                       at=utcnow() + timedelta(seconds=backoff(row.attempts)))
        return "pending"
    if unreachable is None:
        return "delivered"
    await db.write(rows.mark_unreachable, row_id=row.id, error=unreachable)
    return "unreachable"


async def deliver_claimed(db: _Rows, adapters: dict[str, Adapter], row: Claimed, pacer: Pacer, pending: set[int], *,
                          deadline: float, lease_s: float, max_attempts: int) -> None:
    """Deliver one claimed row within `deadline`, then drop it from `pending` (the rows the heartbeat renews)."""
    if row.reclaimed:
        log.warning("outbox row %s (%s) was left in sending past its lease; retrying", row.id, row.dedupe_key)
    try:
        await asyncio.wait_for(_deliver_one(db, adapters, row, pacer, max_attempts), timeout=deadline)
    except TimeoutError:
        await _release_stuck(db, row, deadline, lease_s, max_attempts)
    except Exception:  # noqa: BLE001  - a DB hiccup leaves the row `sending`; the lease reclaims it
        log.exception("outbox row %s left for reclaim", row.id)
    finally:
        pending.discard(row.id)


def _send_deadline(send_timeout_s: float, lease_s: float) -> float:
    """The per-row deadline. The heartbeat renews the claim while a send runs, so the deadline
    need not fit inside the lease; `lease_s` is kept for callers that pass it."""
    del lease_s
    return max(0.01, send_timeout_s)


async def _release_stuck(db: _Rows, row: Claimed, deadline: float, lease_s: float, max_attempts: int) -> None:
    """A send that got no answer in time: log it, and let it be retried soon (or give up after the last attempt).

    The row stays `sending` because the message may have gone out; the retry is a reclaim, which asks
    the platform first (`find_sent`) where it can.
    """
    error = f"timeout: no answer after {deadline:.0f} s"
    log.warning("outbox row %s (%s, %s) stuck: no answer from the platform after %.1f s; %s", row.id,
                row.dedupe_key, row.platform, deadline,
                "giving up" if row.attempts >= max_attempts else "released for a retry")
    try:
        if row.attempts >= max_attempts:
            await db.write(rows.mark_failed, row_id=row.id, error=error)
        else:
            await db.write(rows.release_stuck, row_id=row.id, at=utcnow(), lease_s=lease_s,
                           retry_in_s=min(30.0, backoff(row.attempts)), error=error)
    except Exception:  # noqa: BLE001  - the lease still reclaims it
        log.exception("outbox row %s: could not record the timeout", row.id)
