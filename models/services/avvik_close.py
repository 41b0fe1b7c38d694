"""Closing an avvik while tiltak are still open, and the closed avvik a person may look back on.

Why a rule: an avvik closed with tiltak still open hides work that is not done. A leader may still
close it (the tiltak may have moved elsewhere), but must say why, and the reason is kept in the
avvik's history (an `AvvikEvent` of kind `closed_open_tiltak`) for the reporter and the audit.
This module reads tables only, so `models.services.avvik` can call it without an import cycle.
"""

from __future__ import annotations

from sqlmodel import Session, select

from models.i18n import _
from models.sql import col
from models.tables import Avvik, AvvikEvent, Tiltak
from models.tables._common import utcnow

CLOSE_REASON_FIELD = "open_tiltak_reason"
EVENT_KIND = "closed_open_tiltak"
MIN_REASON = 3
MAX_REASON = 3000


def open_tiltak(session: Session, avvik_id: int) -> list[Tiltak]:
    """The avvik's tiltak not yet done, earliest deadline first."""
    return list(session.exec(select(Tiltak).where(Tiltak.avvik_id == avvik_id, col(Tiltak.done_at).is_(None))
                             .order_by(col(Tiltak.deadline))).all())


def close_reason_errors(session: Session, avvik: Avvik, reason: str | None) -> dict[str, str]:
    """The field error when open tiltak make a reason necessary and none (or too long a one) was given."""
    n_open = len(open_tiltak(session, int(avvik.id or 0)))
    text = (reason or "").replace("\x00", "").strip()
    if n_open and len(text) < MIN_REASON:
        return {CLOSE_REASON_FIELD: _("Avviket har {n} åpne tiltak. Skriv hvorfor du lukker det likevel.")
                .format(n=n_open)}
    if len(text) > MAX_REASON:
        return {CLOSE_REASON_FIELD: _("Begrunnelsen kan være høyst {n} tegn.").format(n=MAX_REASON)}
    return {}


def record_close_reason(session: Session, avvik: Avvik, *, actor_id: int, reason: str | None) -> None:
    """Keep the reason for closing with open tiltak in the history (called after `close_reason_errors` passed)."""
    text = (reason or "").replace("\x00", "").strip()
    if text and open_tiltak(session, int(avvik.id or 0)):
        session.add(AvvikEvent(org_id=avvik.org_id, avvik_id=int(avvik.id or 0), at=utcnow(), actor_id=actor_id,
                               kind=EVENT_KIND, comment=text))


def close_reason(session: Session, avvik_id: int) -> str | None:
    """The latest stored reason for closing this avvik with open tiltak, if any."""
    row = session.exec(select(AvvikEvent).where(AvvikEvent.avvik_id == avvik_id, AvvikEvent.kind == EVENT_KIND)
                       .order_by(col(AvvikEvent.at).desc(), col(AvvikEvent.id).desc())).first()
    return row.comment if row else None


def list_my_closed_avvik(*, session: Session, person_id: int, limit: int = 50) -> list[Avvik]:
    """Closed avvik I reported, handled or owned a tiltak in, most recently closed first."""
    owned = select(Tiltak.avvik_id).where(Tiltak.owner_id == person_id)
    q = select(Avvik).where(Avvik.status == "lukket", (col(Avvik.reporter_id) == person_id)
                            | (col(Avvik.assignee_id) == person_id) | col(Avvik.id).in_(owned))
    return list(session.exec(q.order_by(col(Avvik.closed_at).desc(), col(Avvik.number).desc()).limit(limit)).all())
