"""Dialog state for guided conversations, stored so any worker process can continue them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session, select

from models.services._tx import writes
from models.tables import DialogState
from models.tables._common import utcnow

# A half-finished dialog this old is ended: its next message is read as a new request (issue 12).
STALE_AFTER = timedelta(minutes=30)


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


class _Dated(Protocol):
    @property
    def updated_at(self) -> datetime: ...


def dialog_age(row: _Dated, now: datetime | None = None) -> timedelta:
    """How long since the person last moved the dialog on (wall clock: a dialog ages while nobody answers)."""
    updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
    return (now or utcnow()) - updated


def is_stale(row: _Dated, *, max_age: timedelta = STALE_AFTER, now: datetime | None = None) -> bool:
    """A half-finished dialog older than `max_age` is ended rather than fed with unrelated answers."""
    return dialog_age(row, now) > max_age
