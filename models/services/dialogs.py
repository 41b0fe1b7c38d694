"""Dialog state for guided conversations, stored so any worker process can continue them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models.services._tx import writes
from models.tables import DialogState
from models.tables._common import utcnow


def load_dialog(*, session: Session, platform: str, workspace: str, user_id: str) -> DialogState | None:
    return session.exec(select(DialogState).where(DialogState.platform == platform, DialogState.workspace == workspace,
                                                  DialogState.user_id == user_id)).first()


@writes
def save_dialog(*, session: Session, platform: str, workspace: str, user_id: str, name: str, step: int,
                data: dict[str, Any]) -> None:
    row = load_dialog(session=session, platform=platform, workspace=workspace, user_id=user_id)
    if row is None:
        row = DialogState(platform=platform, workspace=workspace, user_id=user_id, name=name)
    row.name, row.step, row.data, row.updated_at = name, step, dict(data), utcnow()
    session.add(row)


@writes
def clear_dialog(*, session: Session, platform: str, workspace: str, user_id: str) -> None:
    row = load_dialog(session=session, platform=platform, workspace=workspace, user_id=user_id)
    if row is not None:
        session.delete(row)
