"""Transaction helper shared by the use cases."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlmodel import Session

P = ParamSpec("P")
R = TypeVar("R")


def writes(fn: Callable[P, R]) -> Callable[P, R]:
    """Commit when the use case returns, roll back when it raises: the use case owns its transaction."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session: Session = kwargs["session"]  # type: ignore[assignment]
        try:
            result = fn(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise

    return wrapper
