"""Which outbox rows are due, found by index seeks per kommune: a claim costs the same with 100 or 100,000 waiting.

Why: a claim used to rank every due row with one window function (each kommune's oldest first,
`issue 13`'s fairness). A backlog is normal (Slack takes about one post a second per channel, so a
nudge fan-out or a flood of reports waits its turn), and the worker claims several times a second:
each claim sorted the whole backlog, 21 ms at 13,800 waiting rows and growing with it, on the core
that answers Slack. Now a claim asks which kommuner have due rows (one EXISTS per kommune on
`ix_outbox_org_due`), then takes only each such kommune's first few due rows (a LIMIT per kommune on
the same index) in one statement, and deals the turns across kommuner over those few rows in Python.
A row without a kommune counts as kommune 0 throughout.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, union, union_all
from sqlmodel import Session, col, select

from models.tables import Organisation, OutboxMessage

# SQLite allows 500 terms in one compound SELECT; a kommune's subquery is one term.
KOMMUNER_PER_STATEMENT = 200


def is_due(platforms: set[str], now: datetime, lease_s: float) -> Any:
    """A row to send now: pending and due, or left `sending` past its lease (a crashed worker's)."""
    return or_(_pending_due(platforms, now), _stale(platforms, now, lease_s))


def _on_platforms(platforms: set[str]) -> Any:
    return col(OutboxMessage.platform).in_(sorted(platforms | {"auto"}))


def _pending_due(platforms: set[str], now: datetime) -> Any:
    return and_(col(OutboxMessage.status) == "pending", col(OutboxMessage.next_attempt_at) <= now,
                _on_platforms(platforms))


def _stale(platforms: set[str], now: datetime, lease_s: float) -> Any:
    return and_(col(OutboxMessage.status) == "sending",
                col(OutboxMessage.claimed_at) < now - timedelta(seconds=lease_s), _on_platforms(platforms))


def _of_kommune(org: int) -> Any:
    return col(OutboxMessage.org_id).is_(None) if org == 0 else col(OutboxMessage.org_id) == org


def _kommune_key() -> Any:
    return func.coalesce(col(OutboxMessage.org_id), 0)


def orgs_with_due(session: Session, platforms: set[str], now: datetime, lease_s: float) -> set[int]:
    """The kommuner with a row to send now: one index seek per kommune, never a scan of the backlog."""
    pending_of = exists().where(col(OutboxMessage.org_id) == col(Organisation.id), _pending_due(platforms, now))
    without_kommune = exists().where(col(OutboxMessage.org_id).is_(None), _pending_due(platforms, now))
    q = union(select(col(Organisation.id)).where(pending_of),
              select(literal(0)).where(without_kommune),
              select(_kommune_key()).where(_stale(platforms, now, lease_s)))  # few: only rows left `sending`
    return {int(o) for o in session.execute(q).scalars().all()}


def live_in_flight(session: Session, now: datetime, lease_s: float) -> dict[int, int]:
    """Rows each kommune has `sending` by a live worker (any worker; a lapsed lease no longer counts)."""
    fresh = col(OutboxMessage.claimed_at) >= now - timedelta(seconds=lease_s)
    q = (select(col(OutboxMessage.org_id), func.count()).where(col(OutboxMessage.status) == "sending", fresh)
         .group_by(col(OutboxMessage.org_id)))
    return {int(o or 0): int(n) for o, n in session.exec(q).all()}


def first_due(session: Session, quota: dict[int, int], platforms: set[str], now: datetime,
              lease_s: float) -> list[tuple[int, int, datetime]]:
    """(id, kommune, due time) of each kommune's first `quota[kommune]` due rows, oldest first per kommune."""
    out: list[tuple[int, int, datetime]] = []
    wanted = [(o, k) for o, k in sorted(quota.items()) if k > 0]
    for start in range(0, len(wanted), KOMMUNER_PER_STATEMENT):
        parts = []
        for org, k in wanted[start:start + KOMMUNER_PER_STATEMENT]:
            sub = (select(col(OutboxMessage.id), literal(org).label("org"), col(OutboxMessage.next_attempt_at))
                   .where(_of_kommune(org), _pending_due(platforms, now))
                   .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)).limit(k).subquery())
            parts.append(select(sub.c.id, sub.c.org, sub.c.next_attempt_at))
        q = union_all(*parts) if len(parts) > 1 else parts[0]
        out.extend((int(i), int(o), t) for i, o, t in session.execute(q).all())
    stale = session.exec(select(col(OutboxMessage.id), _kommune_key(), col(OutboxMessage.next_attempt_at))
                         .where(_stale(platforms, now, lease_s))).all()
    out.extend((i, int(o), t) for i, o, t in stale if i is not None and quota.get(int(o), 0) > 0)
    return out


def still_due(rows: Iterable[OutboxMessage], platforms: set[str], now: datetime,
              lease_s: float) -> list[OutboxMessage]:
    """The rows that are still due once locked: on PostgreSQL another worker may have claimed one since
    `first_due` read it. Checked here, not in the locking statement, whose OR the planner would answer by
    reading every due row."""
    stale = now - timedelta(seconds=lease_s)
    wanted = platforms | {"auto"}
    return [r for r in rows if r.platform in wanted and (
        (r.status == "pending" and r.next_attempt_at <= now)
        or (r.status == "sending" and r.claimed_at is not None and r.claimed_at < stale))]


def in_turns(candidates: Iterable[tuple[int, int, datetime]], quota: dict[int, int], ahead: dict[int, int],
             limit: int) -> list[int]:
    """Row ids in turns across kommuner: each kommune's oldest first, then each one's second, and so on.

    `ahead` is what each kommune already has in flight: those rows took its first turns, so a busy
    kommune comes after the quiet ones, and never gets more than its `quota`.
    """
    per_org: dict[int, list[tuple[datetime, int]]] = {}
    for row_id, org, due_at in candidates:
        per_org.setdefault(org, []).append((due_at, row_id))
    ranked = []
    for org, rows in per_org.items():
        for i, (due_at, row_id) in enumerate(sorted(rows)[:quota.get(org, 0)]):
            ranked.append((ahead.get(org, 0) + i, due_at, row_id))
    return [row_id for _, _, row_id in sorted(ranked)[:limit]]
