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

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    union,
    union_all,
)
from sqlmodel import Session, col, select

from models.tables import Organisation, OutboxMessage

# SQLite allows 500 terms in one compound SELECT; a kommune's subquery is one term.
KOMMUNER_PER_STATEMENT = 200


# The claim's statements are built once, with bound parameters (`_params`): building one per kommune on
# every claim cost more than running it (20 ms a claim with 50 kommuner, bench/outbox_claim.py).
def _bound_pending() -> Any:
    return and_(col(OutboxMessage.status) == "pending", col(OutboxMessage.next_attempt_at) <= bindparam("now"),
                col(OutboxMessage.platform).in_(bindparam("platforms", expanding=True)))


# 'sending' as a literal, not a parameter: only then may SQLite use the partial index `ix_outbox_sending` (rows in
# flight are few, but statistics taken when every row had one status make `status = ?` look unselective)
SENDING: Any = literal_column("'sending'")


def _bound_stale() -> Any:
    return and_(col(OutboxMessage.status) == SENDING, col(OutboxMessage.claimed_at) < bindparam("stale_before"),
                col(OutboxMessage.platform).in_(bindparam("platforms", expanding=True)))


def _params(platforms: set[str], now: datetime, lease_s: float) -> dict[str, Any]:
    return {"now": now, "stale_before": now - timedelta(seconds=lease_s), "platforms": sorted(platforms | {"auto"})}


_KOMMUNE_KEY = func.coalesce(col(OutboxMessage.org_id), 0)
_ORGS_WITH_DUE: Any = union(
    select(col(Organisation.id)).where(exists().where(col(OutboxMessage.org_id) == col(Organisation.id),
                                                      _bound_pending())),
    select(literal(0)).where(exists().where(col(OutboxMessage.org_id).is_(None), _bound_pending())),
    select(_KOMMUNE_KEY).where(_bound_stale()))  # few: only rows left `sending`
_STALE_ROWS = select(col(OutboxMessage.id), _KOMMUNE_KEY, col(OutboxMessage.next_attempt_at)).where(_bound_stale())
# counted in Python: a GROUP BY would lead SQLite to walk `ix_outbox_org_due` whole for its order
_LIVE_IN_FLIGHT = select(col(OutboxMessage.org_id)).where(col(OutboxMessage.status) == SENDING,
                                                          col(OutboxMessage.claimed_at) >= bindparam("stale_before"))
_first_due_of: dict[int, Any] = {}  # number of kommuner → the statement for that many


def _first_rows(of_kommune: Any, limit: Any) -> Any:
    sub = (select(col(OutboxMessage.id), _KOMMUNE_KEY.label("org"), col(OutboxMessage.next_attempt_at))
           .where(of_kommune, _bound_pending())
           .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)).limit(limit).subquery())
    return select(sub.c.id, sub.c.org, sub.c.next_attempt_at)


_FIRST_DUE_WITHOUT_KOMMUNE = _first_rows(col(OutboxMessage.org_id).is_(None), bindparam("k"))


def _first_due_statement(n: int) -> Any:
    """Each of `n` kommuner's first due rows (kommune `o{i}`, at most `k{i}` rows), one index seek each."""
    if n not in _first_due_of:
        parts = [_first_rows(col(OutboxMessage.org_id) == bindparam(f"o{i}"), bindparam(f"k{i}")) for i in range(n)]
        _first_due_of[n] = union_all(*parts) if n > 1 else parts[0]
    return _first_due_of[n]


def orgs_with_due(session: Session, platforms: set[str], now: datetime, lease_s: float) -> set[int]:
    """The kommuner with a row to send now: one index seek per kommune, never a scan of the backlog."""
    return {int(o) for o in session.execute(_ORGS_WITH_DUE, _params(platforms, now, lease_s)).scalars().all()}


def live_in_flight(session: Session, now: datetime, lease_s: float) -> dict[int, int]:
    """Rows each kommune has `sending` by a live worker (any worker; a lapsed lease no longer counts)."""
    rows = session.execute(_LIVE_IN_FLIGHT, {"stale_before": now - timedelta(seconds=lease_s)}).scalars().all()
    return dict(Counter(int(o or 0) for o in rows))


def first_due(session: Session, quota: dict[int, int], platforms: set[str], now: datetime,
              lease_s: float) -> list[tuple[int, int, datetime]]:
    """(id, kommune, due time) of each kommune's first `quota[kommune]` due rows, oldest first per kommune."""
    out: list[tuple[int, int, datetime]] = []
    wanted = [(o, k) for o, k in sorted(quota.items()) if k > 0 and o != 0]
    params = _params(platforms, now, lease_s)
    for start in range(0, len(wanted), KOMMUNER_PER_STATEMENT):
        chunk = wanted[start:start + KOMMUNER_PER_STATEMENT]
        bound = dict(params)
        for i, (org, k) in enumerate(chunk):
            bound.update({f"o{i}": org, f"k{i}": k})
        out.extend((int(i), int(o), t) for i, o, t in session.execute(_first_due_statement(len(chunk)), bound).all())
    if quota.get(0, 0) > 0:
        rows = session.execute(_FIRST_DUE_WITHOUT_KOMMUNE, {**params, "k": quota[0]}).all()
        out.extend((int(i), 0, t) for i, _o, t in rows)
    stale = session.execute(_STALE_ROWS, params).all()
    out.extend((int(i), int(o), t) for i, o, t in stale if quota.get(int(o), 0) > 0)
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


def lock_in_turns(session: Session, ranked: list[int], limit: int, platforms: set[str], now: datetime,
                  lease_s: float) -> list[int]:
    """The first `limit` of `ranked` this claim may take. SQLite: all of them (BEGIN IMMEDIATE lets one claim run
    at a time). PostgreSQL: the first `limit` that no other worker holds and that are still due on their newest
    version, locked in turn order (FOR UPDATE SKIP LOCKED with ORDER BY and LIMIT), so a second worker claiming
    at the same moment takes the next rows instead of finding its first choices locked or just claimed."""
    if session.get_bind().dialect.name != "postgresql" or not ranked:
        return ranked[:limit]
    place = func.array_position(bindparam("ranked", type_=ARRAY(Integer)), col(OutboxMessage.id))
    q = (select(col(OutboxMessage.id)).where(col(OutboxMessage.id).in_(bindparam("ids", expanding=True)),
                                             or_(_bound_pending(), _bound_stale()))
         .order_by(place).limit(limit).with_for_update(skip_locked=True))
    params = {**_params(platforms, now, lease_s), "ranked": ranked, "ids": ranked}
    return [int(i) for i in session.execute(q, params).scalars().all()]


def in_turns(candidates: Iterable[tuple[int, int, datetime]], quota: dict[int, int], ahead: dict[int, int],
             limit: int | None) -> list[int]:
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
