"""Which delivering process sends each kommune's messages (issue 13: ≤ 1 % 429s with 50 kommuner).

Why owners: slots booked in the database (`pacing_slots`) order the sends of N processes, but a
process that wakes late for its slot sends late, and another process's on-time send then lands in
the same one of Slack's 1-second windows: a 429, and the workspace held for Retry-After. Only the
process that made the late send knows when it really left. So each kommune's outbox is delivered
by one process at a time, its owner, which checks the spacing of the sends that really leave in
memory (`Pacer.gate`, no round trip per send). Kommuner with due messages are shared out evenly
among the live deliverers; an owner with more than its share stops claiming the surplus and hands
it over once its sends there are done; a dead owner's kommuner are taken when its lease lapses.

The leases are rows of `runtime_lease` (`deliverer:<id>`: a process is alive; `outbox-org:<id>`:
who owns a kommune), so ownership needs no table of its own and works alike on both databases.
A row without a kommune counts as kommune 0.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from models.services import runtime_lease
from models.services._tx import writes
from models.services.outbox_due import orgs_with_due
from models.tables import RuntimeLease

PRESENCE = "deliverer:"
OWNER = "outbox-org:"


@dataclass(frozen=True)
class Shares:
    """What one balance round decided for one process."""

    claim: frozenset[int]  # kommuner whose rows this process may claim now
    owned: frozenset[int]  # the kommuner it holds (`claim` plus those it is handing over)
    live: int  # delivering processes alive, this one included


def presence_name(holder: str) -> str:
    """The presence lease of one process (lease names are ≤ 64 characters; holders may be longer)."""
    return PRESENCE + hashlib.sha256(holder.encode()).hexdigest()[:32]


def _due_orgs(session: Session, platforms: set[str], now: datetime, lease_s: float) -> set[int]:
    return orgs_with_due(session, platforms, now, lease_s)


def _live_leases(session: Session, now: datetime) -> tuple[int, dict[int, str]]:
    """(live deliverers, owner of each owned kommune) from the leases that have not lapsed."""
    rows = session.exec(select(RuntimeLease.name, RuntimeLease.holder).where(
        or_(col(RuntimeLease.name).startswith(PRESENCE), col(RuntimeLease.name).startswith(OWNER)),
        col(RuntimeLease.expires_at) >= now)).all()
    live = sum(1 for name, _ in rows if name.startswith(PRESENCE))
    owners = {int(name[len(OWNER):]): holder for name, holder in rows if name.startswith(OWNER)}
    return live, owners


def _take(session: Session, holder: str, now: datetime, ttl_s: float, free: list[int], room: int) -> set[int]:
    """Take up to `room` of the free kommuner; a race lost to another process just skips one."""
    taken: set[int] = set()
    for org in free:
        if len(taken) >= room:
            break
        if runtime_lease.take_or_renew.__wrapped__(session=session, name=f"{OWNER}{org}", holder=holder,
                                                   now=now, ttl_s=ttl_s):
            taken.add(org)
    return taken


@writes
def balance(*, session: Session, holder: str, platforms: set[str], now: datetime, ttl_s: float, lease_s: float,
            busy: set[int], first: bool = False) -> Shares:
    """Renew this process's leases, take free kommuner up to its share, and give up what exceeds it.

    `busy`: the kommuner this process still has sends under way for; a kommune over the share is
    released only once it is not busy (until then it is renewed but not claimed), so two owners
    never send to one workspace at once. `first`: only say «alive», so processes started together
    see each other before anyone takes every kommune.
    """
    runtime_lease.take_or_renew.__wrapped__(session=session, name=presence_name(holder), holder=holder,
                                            now=now, ttl_s=ttl_s)
    live, owners = _live_leases(session, now)
    if first:
        return Shares(frozenset(), frozenset(o for o, h in owners.items() if h == holder), max(1, live))
    due = _due_orgs(session, platforms, now, lease_s)
    mine = {o for o, h in owners.items() if h == holder}
    share = math.ceil(len(due | set(owners)) / max(1, live))
    idle = {o for o in mine if o not in due and o not in busy}  # nothing to send there: let it go
    mine -= idle
    mine |= _take(session, holder, now, ttl_s, sorted(o for o in due if o not in owners), share - len(mine))
    surplus = sorted(mine, key=lambda o: (o in busy, o))[:max(0, len(mine) - share)]
    release = idle | {o for o in surplus if o not in busy}
    if release:
        session.execute(delete(RuntimeLease).where(col(RuntimeLease.name).in_([f"{OWNER}{o}" for o in release]),
                                                   col(RuntimeLease.holder) == holder))
    held = mine - release
    session.execute(update(RuntimeLease).where(col(RuntimeLease.holder) == holder,
                                               col(RuntimeLease.name).startswith(OWNER))
                    .values(expires_at=now + timedelta(seconds=ttl_s)))
    return Shares(frozenset(held - set(surplus)), frozenset(held), max(1, live))


@writes
def release_all(*, session: Session, holder: str) -> None:
    """A clean stop: give every kommune and the presence up, so the others take over at their next round."""
    session.execute(delete(RuntimeLease).where(col(RuntimeLease.holder) == holder,
                                               or_(col(RuntimeLease.name).startswith(OWNER),
                                                   col(RuntimeLease.name) == presence_name(holder))))
