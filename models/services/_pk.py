"""The primary key of a stored row, typed: SQLModel declares `id: int | None` because a new
object has none until it is flushed, so every use after the flush would need a cast."""

from __future__ import annotations

from typing import Protocol


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: _Stored) -> int:
    """The id of a row that has been flushed; a row without one is a programming error."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id
