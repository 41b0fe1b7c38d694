"""The outbox as an operator sees it (`trad outbox`): counts per status and the latest rows of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from models.tables import OutboxMessage, Person


@dataclass(frozen=True)
class OutboxLine:
    id: int
    dedupe_key: str
    kind: str
    status: str
    platform: str
    target: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    person_name: str | None
    person_email: str | None


def status_counts(*, session: Session) -> dict[str, int]:
    rows = session.exec(select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))).all()
    return {status: int(n) for status, n in rows}


def latest(*, session: Session, statuses: list[str], limit: int) -> list[OutboxLine]:
    """The newest `limit` rows of each status, in the order of `statuses` (problems first)."""
    out: list[OutboxLine] = []
    for status in statuses:
        q = (select(OutboxMessage, Person.name, Person.email)
             .join(Person, col(Person.id) == col(OutboxMessage.recipient_person_id), isouter=True)
             .where(OutboxMessage.status == status)
             .order_by(col(OutboxMessage.id).desc()).limit(limit))
        for m, name, email in session.exec(q).all():
            assert m.id is not None
            out.append(OutboxLine(id=m.id, dedupe_key=m.dedupe_key, kind=m.kind, status=m.status, platform=m.platform,
                                  target=m.target, attempts=m.attempts, last_error=m.last_error,
                                  next_attempt_at=m.next_attempt_at, person_name=name, person_email=email))
    return out


@dataclass(frozen=True)
class StuckLine:
    """A row `sending` for longer than a send should take: a hung platform call or a dead worker."""

    id: int
    dedupe_key: str
    kind: str
    platform: str
    attempts: int
    claimed_at: datetime
    seconds: int  # how long it has been `sending`
    last_error: str | None


def stuck(*, session: Session, now: datetime, older_than_s: float, limit: int = 50) -> list[StuckLine]:
    """Rows claimed more than `older_than_s` ago and still `sending`, the longest first."""
    cutoff = now - timedelta(seconds=older_than_s)
    q = (select(OutboxMessage).where(OutboxMessage.status == "sending", col(OutboxMessage.claimed_at) < cutoff)
         .order_by(col(OutboxMessage.claimed_at)).limit(limit))
    out = []
    for m in session.exec(q).all():
        assert m.id is not None and m.claimed_at is not None
        claimed = m.claimed_at if m.claimed_at.tzinfo else m.claimed_at.replace(tzinfo=now.tzinfo)
        out.append(StuckLine(id=m.id, dedupe_key=m.dedupe_key, kind=m.kind, platform=m.platform, attempts=m.attempts,
                             claimed_at=claimed, seconds=int((now - claimed).total_seconds()),
                             last_error=m.last_error))
    return out
