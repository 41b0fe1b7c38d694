"""The outbox worker: claim due messages, pick a platform, send at a safe pace, record the outcome.

Why it is built this way:
- Claiming marks rows `sending` in one short transaction (PostgreSQL: FOR UPDATE SKIP
  LOCKED; SQLite: BEGIN IMMEDIATE serialises claimers), so two workers never send one row.
- A row left in `sending` by a crashed worker is reclaimed after a lease. Before resending
  a reclaimed row the worker asks the adapter whether the message already went out
  (`find_sent`, optional), which closes the crash-between-send-and-commit window where the
  platform allows it (Slack message metadata).
- Success is recorded with the platform's reference in the step right after the send, so
  later updates (`update_of_key`) can edit the message in place.
- `RetryLater` (429, 5xx) never loses a message: it only moves `next_attempt_at`.
- Pacing keeps under the platforms' limits (Slack ~300/min per workspace and 1/s per
  channel; Teams 7/s per conversation, ~50/s per tenant) so 429s stay rare. The pace is per
  process: run one delivering process per workspace (see docs/nudges.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_scope, session_scope
from models.messages import Reply
from models.tables import ChatIdentity, OutboxMessage, Person
from models.tables._common import utcnow
from notifications.base import Adapter, PermanentFailure, Recipient, RetryLater, Unreachable

log = logging.getLogger("trad.outbox")

DEFAULT_LEASE_S = 300.0
DEFAULT_MAX_ATTEMPTS = 5
UPDATE_WAIT_S = 15.0  # an update whose original is not delivered yet waits this long
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 1800.0


# ---------------------------------------------------------------------------------------- pacing
@dataclass(frozen=True)
class Limit:
    """Sends per second for the whole platform (workspace/tenant), and the minimum gap per channel."""

    rate_per_s: float | None = None
    channel_interval_s: float | None = None


class Pacer:
    """Reserves send slots so paced sending stays under a platform's rate limits.

    Slot reservation needs no lock: the event loop runs `reserve` without interruption.
    `headroom` (< 1) sends slightly slower than the limit so clock jitter between us and
    the platform does not turn into 429s.
    """

    def __init__(self, limits: dict[str, Limit] | None = None, *, headroom: float = 0.95) -> None:
        self.limits = limits or {}
        self.headroom = headroom
        self._next_global: dict[str, float] = {}
        self._next_channel: dict[tuple[str, str], float] = {}

    def reserve(self, platform: str, channel: str | None, now: float | None = None) -> float:
        """Book the next slot for (platform, channel) and return how long to wait for it."""
        now = time.monotonic() if now is None else now
        limit = self.limits.get(platform)
        if limit is None:
            return 0.0
        slot = now
        ckey = (platform, channel or "")
        if limit.channel_interval_s and channel:
            slot = max(slot, self._next_channel.get(ckey, now))
        if limit.rate_per_s:
            slot = max(slot, self._next_global.get(platform, now))
            self._next_global[platform] = slot + 1.0 / (limit.rate_per_s * self.headroom)
        if limit.channel_interval_s and channel:
            self._next_channel[ckey] = slot + limit.channel_interval_s / self.headroom
            if len(self._next_channel) > 50_000:  # forget channels whose slot has passed
                self._next_channel = {k: v for k, v in self._next_channel.items() if v > now}
        return max(0.0, slot - now)

    def hold_channel(self, platform: str, channel: str | None, seconds: float) -> None:
        """After a 429 for a channel, keep its next send at least `seconds` away."""
        if channel:
            key = (platform, channel)
            self._next_channel[key] = max(self._next_channel.get(key, 0.0), time.monotonic() + seconds)

    async def wait(self, platform: str, channel: str | None) -> None:
        delay = self.reserve(platform, channel)
        if delay > 0:
            await asyncio.sleep(delay)


def limits_from_settings(settings: Any) -> dict[str, Limit]:
    return {
        "slack": Limit(rate_per_s=settings.slack_rate_per_minute / 60.0,
                       channel_interval_s=settings.slack_channel_interval_seconds),
        "teams": Limit(rate_per_s=settings.teams_rate_per_second,
                       channel_interval_s=1.0 / settings.teams_conversation_rate_per_second),
    }


_default_pacer: Pacer | None = None


def default_pacer() -> Pacer:
    """One pacer per process, so successive `deliver_due` calls share the budget."""
    global _default_pacer
    if _default_pacer is None:
        from models.settings import get_settings

        _default_pacer = Pacer(limits_from_settings(get_settings()))
    return _default_pacer


def backoff(attempts: int) -> float:
    """Exponential back-off with full jitter around the centre: 1, 2, 4 … s (×0.5–1.5), capped."""
    centre = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return centre * random.uniform(0.5, 1.5)


# ---------------------------------------------------------------------------------------- claiming
@dataclass
class Claimed:
    id: int
    dedupe_key: str
    kind: str
    platform: str
    org_id: int | None
    recipient_person_id: int | None
    target: str | None
    payload: dict
    attempts: int
    update_of_key: str | None
    reclaimed: bool
    person: Person | None = None
    identities: list[ChatIdentity] | None = None  # active, most recently updated first


def claim(engine: Engine, *, platforms: set[str], limit: int, now: datetime, lease_s: float) -> list[Claimed]:
    """Mark up to `limit` due rows `sending` and return them. Safe under concurrent workers."""
    with session_scope(engine) as s:
        stale = now - timedelta(seconds=lease_s)
        q = (select(OutboxMessage)
             .where(or_(and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < stale)),  # type: ignore[operator]
                    OutboxMessage.platform.in_(platforms | {"auto"}))  # type: ignore[attr-defined]
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
             .limit(limit))
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = s.exec(q).all()
        out = []
        for r in rows:
            out.append(Claimed(id=r.id, dedupe_key=r.dedupe_key, kind=r.kind, platform=r.platform,  # type: ignore[arg-type]
                               org_id=r.org_id, recipient_person_id=r.recipient_person_id, target=r.target,
                               payload=dict(r.payload), attempts=r.attempts + 1, update_of_key=r.update_of_key,
                               reclaimed=r.status == "sending"))
            r.status = "sending"
            r.claimed_at = now
            r.attempts += 1
            s.add(r)
        # Prefetch recipients and their chat identities in two queries for the whole batch,
        # so sending needs no further reads (SQLite serialises writers; fewer round trips).
        pids = {c.recipient_person_id for c in out if c.recipient_person_id}
        if pids:
            people = {p.id: p for p in s.exec(select(Person).where(Person.id.in_(pids))).all()}  # type: ignore[union-attr]
            idents: dict[int, list[ChatIdentity]] = {}
            for ident in s.exec(select(ChatIdentity).where(ChatIdentity.person_id.in_(pids),  # type: ignore[union-attr]
                                                           ChatIdentity.active == True)  # noqa: E712
                                .order_by(ChatIdentity.updated_at.desc(), ChatIdentity.id.desc())).all():  # type: ignore[attr-defined, union-attr]
                idents.setdefault(ident.person_id, []).append(ident)  # type: ignore[arg-type]
            for c in out:
                if c.recipient_person_id:
                    c.person = people.get(c.recipient_person_id)
                    c.identities = idents.get(c.recipient_person_id, [])
        return out


def _finish(engine: Engine, row_id: int, **values: Any) -> None:
    with session_scope(engine) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status == "sending")  # type: ignore[arg-type]
                  .values(**values))


# ---------------------------------------------------------------------------------------- resolving
def _person(engine: Engine, person_id: int) -> Person | None:
    with read_scope(engine) as s:
        person = s.get(Person, person_id)
        s.expunge_all()  # keep the loaded values: read_scope rolls back, which would expire them
        return person


def _identities(engine: Engine, person_id: int, platforms: set[str]) -> list[ChatIdentity]:
    with read_scope(engine) as s:
        rows = list(s.exec(select(ChatIdentity).where(ChatIdentity.person_id == person_id,
                                                      ChatIdentity.active == True,  # noqa: E712
                                                      ChatIdentity.platform.in_(platforms))  # type: ignore[attr-defined]
                           .order_by(ChatIdentity.updated_at.desc(), ChatIdentity.id.desc())).all())  # type: ignore[attr-defined, union-attr]
        s.expunge_all()
        return rows


def _store_identity(engine: Engine, *, platform: str, person: Person, found: dict) -> None:
    """Remember an account found by e-mail so the next message goes straight there."""
    from models.services import identity

    with session_scope(engine) as s:
        try:
            identity.link_identity(session=s, platform=platform, workspace=str(found.get("workspace") or ""),
                                   user_id=str(found["user_id"]), email=person.email,
                                   conversation_ref=found.get("conversation_ref"), org_id=person.org_id)
        except Exception:  # noqa: BLE001  - a lost race on the unique key is fine: the identity is there
            log.info("identity for person %s on %s not stored", person.id, platform)


def _recipient(person: Person | None, ident: ChatIdentity | None, target: str | None) -> Recipient:
    return Recipient(person_id=person.id if person else None, email=person.email if person else None,
                     name=person.name if person else None, user_id=ident.user_id if ident else None,
                     workspace=ident.workspace if ident else None,
                     conversation_ref=ident.conversation_ref if ident else None, target=target)


async def _candidates(engine: Engine, adapters: dict[str, Adapter], row: Claimed,
                      only_platform: str | None) -> AsyncIterator[tuple[str, Recipient]]:
    """Where to send a row, best first: the row's platform, the person's identities, a lookup by e-mail, console."""
    person = row.person
    if person is None and row.recipient_person_id:
        person = await asyncio.to_thread(_person, engine, row.recipient_person_id)
    platform = only_platform or (row.platform if row.platform != "auto" else None)
    if person is None:
        if row.target and platform in adapters:
            yield platform, _recipient(None, None, row.target)  # type: ignore[misc]
        elif row.target and row.platform == "auto" and len(adapters) == 1:
            yield next(iter(adapters)), _recipient(None, None, row.target)
        return
    if not person.active:
        return
    wanted = {platform} if platform else set(adapters)
    if row.identities is not None:
        idents = [i for i in row.identities if i.platform in wanted]
    else:
        idents = await asyncio.to_thread(_identities, engine, person.id, wanted)  # type: ignore[arg-type]
    tried: set[str] = set()
    for ident in idents:
        tried.add(ident.platform)
        yield ident.platform, _recipient(person, ident, row.target)
    for name in sorted(wanted - tried):
        finder = getattr(adapters[name], "find_user", None)
        if finder is None or name == "console":
            continue
        try:
            found = await finder(email=person.email)
        except RetryLater:
            raise
        except Exception as exc:  # noqa: BLE001  - a lookup failure means "not found here"
            log.info("find_user on %s failed: %s", name, exc)
            found = None
        if found and found.get("user_id"):
            await asyncio.to_thread(_store_identity, engine, platform=name, person=person, found=found)
            ident = ChatIdentity(org_id=person.org_id, person_id=person.id, platform=name,
                                 workspace=str(found.get("workspace") or ""), user_id=str(found["user_id"]),
                                 conversation_ref=found.get("conversation_ref"))
            yield name, _recipient(person, ident, row.target)
    if "email" in wanted and "email" not in tried and person.email:
        # No chat account reached: e-mail, when this deployment has SMTP configured.
        yield "email", _recipient(person, None, row.target)
    if "console" in wanted and set(adapters) == {"console"} and "console" not in tried:
        yield "console", _recipient(person, None, row.target)


def _original(engine: Engine, row: Claimed) -> tuple[str, dict | None, str | None, bool]:
    """(status, external_ref, platform) of the message an update refers to, and whether a newer update exists."""
    with read_scope(engine) as s:
        orig = s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == row.update_of_key)).first()
        newer = s.exec(select(OutboxMessage.id).where(OutboxMessage.update_of_key == row.update_of_key,
                                                      OutboxMessage.id > row.id).limit(1)).first()
        if orig is None:
            return "missing", None, None, newer is not None
        return orig.status, orig.external_ref, orig.platform, newer is not None


# ---------------------------------------------------------------------------------------- delivering
async def _deliver_one(engine: Engine, adapters: dict[str, Adapter], row: Claimed, pacer: Pacer,
                       max_attempts: int) -> str:
    """Send one claimed row and record the outcome; returns the new status."""
    now = utcnow
    previous_ref: dict | None = None
    only_platform: str | None = None
    if row.update_of_key:
        status, ref, orig_platform, superseded = await asyncio.to_thread(_original, engine, row)
        if superseded:
            await asyncio.to_thread(_finish, engine, row.id, status="delivered", delivered_at=now(),
                                    last_error="superseded by a newer update")
            return "delivered"
        if status in ("pending", "sending"):
            await asyncio.to_thread(_finish, engine, row.id, status="pending", attempts=row.attempts - 1,
                                    next_attempt_at=now() + timedelta(seconds=UPDATE_WAIT_S))
            return "pending"
        if status == "delivered" and ref and orig_platform in adapters:
            previous_ref, only_platform = ref, orig_platform
    reply = Reply.model_validate(row.payload)
    last_error = "ingen kanal: personen har ingen Slack-/Teams-konto Tråd kjenner, og finnes ikke ved oppslag på e-post"
    try:
        async for platform, recipient in _candidates(engine, adapters, row, only_platform):
            adapter = adapters[platform]
            channel = recipient.target or recipient.user_id or recipient.email
            try:
                if row.reclaimed and previous_ref is None and hasattr(adapter, "find_sent"):
                    sent = await adapter.find_sent(recipient=recipient, dedupe_key=row.dedupe_key)  # type: ignore[attr-defined]
                    if sent:
                        await asyncio.to_thread(_finish, engine, row.id, status="delivered", delivered_at=now(),
                                                external_ref=sent, platform=platform, last_error=None)
                        return "delivered"
                await pacer.wait(platform, channel)
                ref = await adapter.deliver(recipient=recipient, reply=reply, previous_ref=previous_ref,
                                            dedupe_key=row.dedupe_key)
            except Unreachable as exc:
                last_error = f"{platform}: {exc}"
                continue
            except RetryLater as exc:
                pacer.hold_channel(platform, channel, exc.after or 0.0)
                raise
            await asyncio.to_thread(_finish, engine, row.id, status="delivered", delivered_at=now(),
                                    external_ref=ref or {}, platform=platform, last_error=None)
            return "delivered"
    except RetryLater as exc:
        delay = max(exc.after or 0.0, backoff(row.attempts))
        await asyncio.to_thread(_finish, engine, row.id, status="pending", last_error=f"retry: {exc}"[:2000],
                                next_attempt_at=now() + timedelta(seconds=delay))
        return "pending"
    except Exception as exc:  # noqa: BLE001  - PermanentFailure and anything unexpected: bounded retries
        kind = "permanent" if isinstance(exc, PermanentFailure) else type(exc).__name__
        if not isinstance(exc, PermanentFailure):
            log.exception("delivering %s failed", row.dedupe_key)
        if row.attempts >= max_attempts:
            await asyncio.to_thread(_finish, engine, row.id, status="failed", last_error=f"{kind}: {exc}"[:2000])
            return "failed"
        await asyncio.to_thread(_finish, engine, row.id, status="pending", last_error=f"{kind}: {exc}"[:2000],
                                next_attempt_at=now() + timedelta(seconds=backoff(row.attempts)))
        return "pending"
    await asyncio.to_thread(_finish, engine, row.id, status="unreachable", last_error=last_error[:2000])
    return "unreachable"


async def deliver_due(engine: Engine, adapters: dict[str, Adapter], *, limit: int = 100, now: datetime | None = None,
                      pacer: Pacer | None = None, lease_s: float | None = None, max_attempts: int | None = None,
                      concurrency: int = 16) -> int:
    """Claim and deliver up to `limit` due messages; returns how many were claimed.

    Messages for platforms without an adapter here stay pending (another process, or a
    later configuration, may deliver them); `platform="auto"` rows are resolved per person.
    """
    if lease_s is None or max_attempts is None:
        from models.settings import get_settings

        st = get_settings()
        lease_s = st.outbox_lease_seconds if lease_s is None else lease_s
        max_attempts = st.outbox_max_attempts if max_attempts is None else max_attempts
    pacer = pacer or default_pacer()
    rows = await asyncio.to_thread(claim, engine, platforms=set(adapters), limit=limit, now=now or utcnow(),
                                   lease_s=lease_s)
    if not rows:
        return 0
    gate = asyncio.Semaphore(concurrency)

    async def one(row: Claimed) -> None:
        async with gate:
            try:
                await _deliver_one(engine, adapters, row, pacer, max_attempts)
            except Exception:  # noqa: BLE001  - a DB hiccup leaves the row `sending`; the lease reclaims it
                log.exception("outbox row %s left for reclaim", row.id)

    await asyncio.gather(*(one(r) for r in rows))
    return len(rows)


async def run_worker(engine: Engine, adapters: dict[str, Adapter], stop: asyncio.Event, *,
                     poll_s: float = 1.0, batch: int = 50, pacer: Pacer | None = None,
                     lease_s: float | None = None) -> None:
    """Deliver until `stop` is set; sleep `poll_s` when nothing is due."""
    pacer = pacer or default_pacer()
    while not stop.is_set():
        try:
            n = await deliver_due(engine, adapters, limit=batch, pacer=pacer, lease_s=lease_s)
        except Exception:  # noqa: BLE001  - keep the worker alive through a database restart
            log.exception("outbox worker round failed")
            n = 0
        if n == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_s)


def adapters_from_settings(settings: Any) -> dict[str, Adapter]:
    """The adapters this deployment has: Slack and/or Teams when configured, else the console (demo);
    plus e-mail when SMTP_HOST and SMTP_FROM are set.

    Platform modules expose `build_adapter(settings) -> Adapter | None`; a `SlackAdapter` /
    `TeamsAdapter` class taking the settings is accepted too.
    """
    adapters: dict[str, Adapter] = {}
    for platform, enabled, module, cls_name in (("slack", settings.slack_enabled, "notifications.slack", "SlackAdapter"),
                                                ("teams", settings.teams_enabled, "notifications.teams", "TeamsAdapter")):
        if not enabled:
            continue
        try:
            mod = importlib.import_module(module)
        except ImportError:
            log.warning("%s is configured but %s is missing", platform, module)
            continue
        adapter = None
        if hasattr(mod, "build_adapter"):
            adapter = mod.build_adapter(settings)
        elif hasattr(mod, cls_name):
            cls = getattr(mod, cls_name)
            for call in (lambda c=cls: c.from_settings(settings), lambda c=cls: c(settings=settings),
                         lambda c=cls: c(settings)):
                try:
                    adapter = call()
                    break
                except (TypeError, AttributeError):
                    continue
        if adapter is not None:
            adapters[platform] = adapter
    if not adapters:
        from notifications.console import ConsoleAdapter

        adapters["console"] = ConsoleAdapter()
    if getattr(settings, "email_enabled", False):  # the fallback for people without chat
        from notifications.email import build_adapter as build_email

        email = build_email(settings)
        if email is not None:
            adapters["email"] = email
    return adapters
