"""The kommune's plan version: a counter the database moves with every write a styringskort reads.

Triggers (migration 0014) bump it inside the writing transaction, so reading it first and then the
card gives data at least as new as the number: a worker may keep a card as a memo of that number
and is never stale on the next request after a write, whichever worker made the write.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel import Session

from models.tables import PlanVersion

_PV = PlanVersion.__table__.c  # type: ignore[attr-defined]
_STMT = select(_PV.version, _PV.structure).where(_PV.org_id == bindparam("b_org"))


def plan_version(session: Session, org_id: int) -> tuple[int, int]:
    """The kommune's current (version, structure): version moves with every write a card reads,
    structure only with writes to the plan's layout (indicators, targets, units), not values.
    (0, 0) before its first plan write."""
    row = session.execute(_STMT, {"b_org": org_id}).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)
