"""The edges' one door to the database: a unit of work that hands out transactions for use cases.

Edges (`bot/`, `forms/`) never import `sqlmodel`, `sqlalchemy`, `models.db` or `models.tables`.
They hold a `UnitOfWork` (built by the composition root around the process's engine) and
pass the `Tx` it yields, unopened, to use cases and read-side queries, which do the querying.
Writing use cases commit themselves (`models.services._tx.writes`); leaving the block
rolls back whatever was not committed and closes the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeAlias

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import read_scope

Tx: TypeAlias = Session


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A transaction for use cases that write (they commit); the rest is rolled back at the end."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only transaction: never takes SQLite's write lock; loaded objects stay readable after it."""
        with read_scope(self.engine) as session:
            yield session
