"""Writing the audit log. Callers pass ids and action names, never free text from a varsel."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from models.tables import AuditEntry


def record(session: Session, *, org_id: int | None, actor_id: int | None, action: str, entity: str,
           entity_id: int | None, detail: dict[str, Any] | None = None) -> None:
    session.add(AuditEntry(org_id=org_id, actor_id=actor_id, action=action, entity=entity,
                           entity_id=entity_id, detail=detail))
