"""The /oppdrag list: the oppdrag one person may see, with status, owner, deadline and traffic light.

Why a separate read model: `list_my_oppdrag` is the chat's «mine oppdrag» (owner or a led unit's
delegate). The web list is wider for leaders but still least privilege: the oppdrag a person owns,
those delegated to a unit they manage (their own units and those below), and all of them only for
someone with an org-wide role. Nobody sees another sector's oppdrag by guessing a filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from models.access import Actor
from models.services.staff_views import OppdragRow, _names, _oppdrag_rows
from models.tables import Oppdrag, OppdragUnit
from models.vocabulary import CLOSED_OPPDRAG_STATUSES, OPPDRAG_STATUSES

OPEN = "apne"
ALL = "alle"
LIMIT = 500


@dataclass(frozen=True)
class OppdragListRow:
    row: OppdragRow
    owner_name: str


def status_filter(raw: str | None) -> str:
    """`?status=` as one of: «apne» (default), «alle» or an oppdrag status key; anything else is «apne»."""
    return raw if raw in (OPEN, ALL, *OPPDRAG_STATUSES) else OPEN


def visible_oppdrag(s: Session, *, actor: Actor, status: str, now: datetime) -> list[OppdragListRow]:
    """Oppdrag `actor` may see, filtered by `status` (see `status_filter`), ordered by number."""
    q = select(Oppdrag).where(Oppdrag.org_id == actor.org_id)
    if not actor.org_wide:
        units = actor.managed_unit_ids | actor.led_unit_ids
        delegated = select(OppdragUnit.oppdrag_id).where(col(OppdragUnit.unit_id).in_(units or {-1}))
        q = q.where(or_(col(Oppdrag.owner_id) == actor.person_id, col(Oppdrag.id).in_(delegated)))
    if status == OPEN:
        q = q.where(col(Oppdrag.status).notin_(CLOSED_OPPDRAG_STATUSES))
    elif status != ALL:
        q = q.where(Oppdrag.status == status)
    items = list(s.exec(q.order_by(col(Oppdrag.number)).limit(LIMIT)).all())
    owners = _names(s, {o.owner_id for o in items})
    return [OppdragListRow(row=r, owner_name=owners.get(r.oppdrag.owner_id, "–"))
            for r in _oppdrag_rows(items, now=now)]
