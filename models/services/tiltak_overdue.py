"""The rule for «tiltak past deadline that this person should see», shared by the nudge and the leader's page.

Kept apart from `avvik.py` (the avvik use cases) because it is a read rule, not a write.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, true
from sqlmodel import select

from models.access import Actor
from models.sql import SelectRows, col
from models.tables import Avvik, Tiltak
from models.vocabulary import OPEN_AVVIK_STATUSES


def overdue_tiltak_query(actor: Actor, today: date, *, include_owned: bool = True) -> SelectRows[Tiltak, Avvik]:
    """The rule for «tiltak past deadline that this person should see»: (Tiltak, Avvik) rows.

    Open tiltak past deadline, on open avvik in the units the person manages (the whole organisation
    when org-wide) and, with `include_owned`, tiltak they own. The nudge and the leader's page share it.
    """
    managed = true() if actor.org_wide else col(Avvik.unit_id).in_(actor.managed_unit_ids or {-1})
    who = or_(managed, col(Tiltak.owner_id) == actor.person_id) if include_owned else managed
    return (select(Tiltak, Avvik).join(Avvik, col(Avvik.id) == Tiltak.avvik_id)
            .where(Tiltak.org_id == actor.org_id, col(Tiltak.done_at).is_(None), Tiltak.deadline < today,
                   col(Avvik.status).in_(OPEN_AVVIK_STATUSES), who))
