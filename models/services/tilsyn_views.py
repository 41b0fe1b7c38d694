"""Read models for the tilsyn pages: one finding to update, one tilsyn to add a finding to.

The same rules as models/services/tilsyn.py: a leader of the tilsyn's unit (along the line)
may change a finding; the finding's owner may update its status and tiltak; anyone else
gets «Fant ikke funnet.», as for a finding that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.errors import NotFound
from models.governance_terms import FINDING_KINDS, TILSYN_AUTHORITIES
from models.i18n import _
from models.services import org
from models.tables import Tilsyn, TilsynFinding
from models.uow import Tx


@dataclass(frozen=True)
class TilsynHead:
    id: int
    authority_label: str
    held_on: date
    theme: str


@dataclass(frozen=True)
class FindingEdit:
    id: int
    tilsyn: TilsynHead
    kind_label: str
    description: str
    deadline: date
    tiltak: str
    status: str
    manages: bool


def _head(t: Tilsyn) -> TilsynHead:
    label = t.authority_name if t.authority == "annet" else TILSYN_AUTHORITIES.get(t.authority, t.authority)
    return TilsynHead(id=t.id, authority_label=label, held_on=t.held_on, theme=t.theme)  # type: ignore[arg-type]


def tilsyn_head(session: Tx, *, actor_id: int, tilsyn_id: int) -> TilsynHead:
    """A tilsyn the actor manages (to add a finding to it)."""
    actor = org.load_actor(session, person_id=actor_id)
    t = session.get(Tilsyn, tilsyn_id)
    if t is None or t.org_id != actor.org_id or not actor.manages(t.unit_id):
        raise NotFound(_("Fant ikke tilsynet."))
    return _head(t)


def finding_for_update(session: Tx, *, actor_id: int, finding_id: int) -> FindingEdit:
    actor = org.load_actor(session, person_id=actor_id)
    f = session.get(TilsynFinding, finding_id)
    t = session.get(Tilsyn, f.tilsyn_id) if f else None
    if f is None or t is None or f.org_id != actor.org_id:
        raise NotFound(_("Fant ikke funnet."))
    manages = actor.manages(t.unit_id)
    if not manages and f.owner_id != actor_id:
        raise NotFound(_("Fant ikke funnet."))
    return FindingEdit(id=f.id, tilsyn=_head(t), kind_label=FINDING_KINDS.get(f.kind, f.kind),  # type: ignore[arg-type]
                       description=f.description, deadline=f.deadline, tiltak=f.tiltak, status=f.status,
                       manages=manages)
