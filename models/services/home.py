"""What a person's home dashboard shows, read in one transaction as typed lists.

Built from the same read use cases as the chat listings, so it shows exactly what the
person may see. The conversation turns it into a neutral `HomeView`; Slack renders that
as the App Home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from models.services import avvik as avvik_svc
from models.services import checklists, listings, oppdrag, org
from models.services.checklists import DueItem
from models.services.listings import AvvikLine, OppdragLine


@dataclass(frozen=True)
class HomeData:
    is_leader: bool
    mine: list[AvvikLine]
    unit_avvik: list[AvvikLine]  # the oldest first, at most `limit`
    unit_total: int  # how many open avvik the leader's units have in all
    due: list[DueItem]  # unanswered check items
    stale: list[OppdragLine]  # oppdrag that need a status update


def home_data(*, session: Session, person_id: int, now: datetime, limit: int) -> HomeData:
    actor = org.load_actor(session, person_id=person_id)
    is_leader = bool(actor.led_unit_ids)
    mine = avvik_svc.list_my_avvik(session=session, person_id=person_id, limit=limit)
    unit_avvik = avvik_svc.list_unit_avvik(session=session, actor_id=person_id, limit=limit) if is_leader else []
    unit_total = (avvik_svc.count_unit_avvik(session=session, actor_id=person_id)
                  if len(unit_avvik) == limit else len(unit_avvik))
    due = [d for d in checklists.list_due_checklists(session=session, actor_id=person_id, now=now)
           if d.answer is None] if is_leader else []
    stale = [listings.oppdrag_line(o) for o in oppdrag.list_my_oppdrag(session=session, person_id=person_id)
             if oppdrag.needs_update(o, now)]
    lines = listings.avvik_lines(session, [*mine, *unit_avvik])
    return HomeData(is_leader=is_leader, mine=lines[:len(mine)], unit_avvik=lines[len(mine):],
                    unit_total=unit_total, due=due, stale=stale)
