"""The outbox as an operator sees it (`trad outbox`): counts per status and the latest rows of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
