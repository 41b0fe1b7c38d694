"""Transaction helper shared by the use cases."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, Protocol, TypeVar, cast

from sqlmodel import Session

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class UseCase(Protocol[P, R_co]):
    """A use case that commits: call it. `__wrapped__` is the same use case without the commit,
    for a use case that runs another inside its own transaction (a «nei» answer reports an avvik)."""

    @property
    def __wrapped__(self) -> Callable[P, R_co]: ...

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def writes(fn: Callable[P, R]) -> UseCase[P, R]:
    """Commit when the use case returns, roll back when it raises: the use case owns its transaction."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = cast(Session, kwargs["session"])  # every use case takes `session=` by keyword
        try:
            result = fn(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise

    return wrapper
