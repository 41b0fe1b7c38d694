"""«del oppdrag 12 med Solvang skole»: an owner splits an oppdrag into a sub-oppdrag for a unit below them.

Kept apart from intents.py and engine.py so it can be wired with two lines (see docs/admin.md).
"""

from __future__ import annotations

import re

from bot.conversation import views
from bot.conversation.intents import Intent
from bot.conversation.parsing import normalise
from models.i18n import _
from models.messages import Reply
from models.services import listings, oppdrag_admin
from models.uow import Tx

_SPLIT = re.compile(r"(?:del|dele|deleger|delegere)\s+(?:oppdrag|oppdraget)\s*(?:nr\.?\s*)?#?\s*(\d{1,6})"
                    r"\s+(?:med|til)\s+(.{2,200})")


def parse_split(text: str) -> Intent | None:
    m = _SPLIT.fullmatch(normalise(text))
    if m is None:
        return None
    return Intent("split_oppdrag", {"number": int(m.group(1)), "unit": m.group(2).strip(" .")})


def split_reply(tx: Tx, person_id: int, intent: Intent) -> Reply:
    """Make the sub-oppdrag (its owner is told through the outbox) and show it."""
    child = oppdrag_admin.split_to_unit(session=tx, actor_id=person_id, number=intent.number,
                                        unit_name=str(intent.args["unit"]))
    line = listings.find_oppdrag(session=tx, actor_id=person_id, number=child.number)
    return Reply(text=_("Oppdrag {n} er delt. Eieren av deloppdraget har fått beskjed.").format(n=intent.number),
                 items=[views.oppdrag_item(line)])
