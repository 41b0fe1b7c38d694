"""The delivery side of the outbox: claiming due rows and recording how each send went.

The worker (`notifications.outbox_worker`) decides what to send where; it reads and
changes outbox rows only through these use cases, so the rules of a row's life
(`pending` → `sending` → `delivered` / `failed` / `unreachable`, the lease, the
attempt count) live in the domain and the worker imports no ORM.

Every state change after the claim is guarded by `status == "sending"`: a row that
another worker reclaimed after our lease ran out is not overwritten by our late answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.services import outbox_due as due
from models.services._tx import writes
from models.services.outbox_recipients import Addressee, Identity, addressees, identities_of
from models.tables import OutboxMessage

MAX_ERROR = 2000  # characters of an error kept on the row
LOCKED_SPARE = 4  # candidates per claimed row on PostgreSQL: three other workers may be claiming at the same moment


@dataclass
class Claimed:
    """A row this worker now owns (`sending`), with its recipient prefetched."""

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
    person: Addressee | None = None
    identities: list[Identity] | None = None  # active, most recently updated first


@dataclass(frozen=True)
class Original:
    """The message an update refers to: how far it got, and whether a newer update replaces this one."""

    status: str  # "missing" when no row has the key
    external_ref: dict | None
    platform: str | None
    superseded: bool


@writes
def claim_due(*, session: Session, platforms: set[str], limit: int, now: datetime, lease_s: float,
              per_org: int | None = None, orgs: frozenset[int] | None = None) -> list[Claimed]:
    """Mark up to `limit` due rows `sending`, taken in turns across kommuner (`outbox_due`), at most
    `per_org` of one kommune, only of the kommuner in `orgs` when given (this process's share,
    `outbox_owners`; a row without a kommune is kommune 0); return them. Safe under concurrent workers.

    PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: BEGIN IMMEDIATE serialises claimers. A row
    left `sending` longer than the lease (a crashed worker) is due again, marked `reclaimed`.
    """
    if orgs is not None and not orgs:
        return []
    ahead = due.live_in_flight(session, now, lease_s) if per_org else {}
    kommuner = due.orgs_with_due(session, platforms, now, lease_s)
    if orgs is not None:
        kommuner &= set(orgs)
    quota = {o: max(0, per_org - ahead.get(o, 0)) if per_org else limit for o in kommuner}
    # PostgreSQL: more candidates than `limit`, so rows another worker is claiming right now are skipped, not missed
    fetch = limit * (LOCKED_SPARE if session.get_bind().dialect.name == "postgresql" else 1)
    first = due.first_due(session, {o: min(k, fetch) for o, k in quota.items()}, platforms, now, lease_s)
    ranked = due.in_turns(first, quota, ahead, None)
    chosen = due.lock_in_turns(session, ranked[:fetch], limit, platforms, now, lease_s)  # the first in turn order: enough to skip locked ones
    if not chosen:
        return []
    q = select(OutboxMessage).where(col(OutboxMessage.id).in_(chosen))  # by primary key: no scan of the backlog
    order = {row_id: i for i, row_id in enumerate(chosen)}
    out = []
    for r in sorted(due.still_due(session.exec(q).all(), platforms, now, lease_s), key=lambda r: order.get(r.id or 0, 0)):
        assert r.id is not None
        out.append(Claimed(id=r.id, dedupe_key=r.dedupe_key, kind=r.kind, platform=r.platform, org_id=r.org_id,
                           recipient_person_id=r.recipient_person_id, target=r.target, payload=dict(r.payload),
                           attempts=r.attempts + 1, update_of_key=r.update_of_key, reclaimed=r.status == "sending"))
        r.status = "sending"
        r.claimed_at = now
        r.attempts += 1
        session.add(r)
    # Prefetch recipients and their chat identities in two queries for the whole batch,
    # so sending needs no further reads (SQLite serialises writers; fewer round trips).
    pids = {c.recipient_person_id for c in out if c.recipient_person_id}
    if pids:
        people = addressees(session=session, person_ids=pids)
        idents = identities_of(session=session, person_ids=pids)
        for c in out:
            if c.recipient_person_id:
                c.person = people.get(c.recipient_person_id)
                c.identities = idents.get(c.recipient_person_id, [])
    return out


def _finish(session: Session, row_id: int, statuses: tuple[str, ...] = ("sending",), **values: Any) -> None:
    if isinstance(values.get("last_error"), str):
        values["last_error"] = values["last_error"][:MAX_ERROR]
    session.execute(update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.status).in_(statuses))
                    .values(**values))


@writes
def mark_delivered(*, session: Session, row_id: int, at: datetime, platform: str, external_ref: dict) -> None:
    """Sent: keep the platform's reference so later updates can edit the message in place.

    Also over `pending`: when our lease ran out mid-send, another worker may have reclaimed the row,
    failed (a 429) and put it back to `pending` while our post went through. Our late «it went out»
    is the truth; leaving the row pending would send it a second time, without `find_sent` first.
    """
    _finish(session, row_id, ("sending", "pending"), status="delivered", delivered_at=at, external_ref=external_ref,
            platform=platform, last_error=None)


@writes
def mark_superseded(*, session: Session, row_id: int, at: datetime) -> None:
    """An update that a newer update of the same message replaces: done without sending."""
    _finish(session, row_id, status="delivered", delivered_at=at, last_error="superseded by a newer update")


@writes
def reschedule(*, session: Session, row_id: int, at: datetime, error: str | None = None,
               attempts: int | None = None) -> None:
    """Back to `pending`, due at `at`. `error` is kept for `trad outbox`; `attempts` resets the
    count (an update that only waited for its original gives its attempt back)."""
    values: dict[str, Any] = {"status": "pending", "next_attempt_at": at}
    if error is not None:
        values["last_error"] = error
    if attempts is not None:
        values["attempts"] = attempts
    _finish(session, row_id, **values)


@writes
def release_stuck(*, session: Session, row_id: int, at: datetime, lease_s: float, retry_in_s: float,
                  error: str) -> None:
    """A send that got no answer in time: still `sending` (it may have gone out), but due for reclaim
    in `retry_in_s` instead of after the whole lease. The reclaim asks the platform first (`find_sent`)."""
    _finish(session, row_id, claimed_at=at - timedelta(seconds=lease_s) + timedelta(seconds=retry_in_s),
            last_error=error)


@writes
def mark_failed(*, session: Session, row_id: int, error: str) -> None:
    """Given up after the last attempt."""
    _finish(session, row_id, status="failed", last_error=error)


@writes
def mark_unreachable(*, session: Session, row_id: int, error: str) -> None:
    """No platform could reach the recipient."""
    _finish(session, row_id, status="unreachable", last_error=error)


def original_of(*, session: Session, update_of_key: str, row_id: int) -> Original:
    """The state of the message that the update `row_id` refers to."""
    orig = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == update_of_key)).first()
    newer = session.exec(select(OutboxMessage.id).where(OutboxMessage.update_of_key == update_of_key,
                                                        col(OutboxMessage.id) > row_id).limit(1)).first()
    if orig is None:
        return Original("missing", None, None, newer is not None)
    return Original(orig.status, orig.external_ref, orig.platform, newer is not None)
