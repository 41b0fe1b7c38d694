"""Writing the audit log. Callers pass ids and action names, never free text from a varsel."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy.sql import Insert
from sqlmodel import Session

from models.sql import table_of
from models.tables import AuditEntry
from models.tables._common import utcnow


@lru_cache(maxsize=1)
def _insert() -> Insert:
    return table_of(AuditEntry).insert()


def record(session: Session, *, org_id: int | None, actor_id: int | None, action: str, entity: str,
           entity_id: int | None, detail: dict[str, Any] | None = None) -> None:
    """A plain INSERT, not an ORM object: an audit row is never read back in the same
    transaction, and the unit of work cost more than the insert on the hot paths."""
    values: dict[str, Any] = {"org_id": org_id, "at": utcnow(), "actor_id": actor_id, "action": action,
                              "entity": entity, "entity_id": entity_id}
    if detail is not None:
        values["detail"] = detail
    session.execute(_insert(), values)
