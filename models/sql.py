"""Typed seams over SQLModel, so the services type-check without an ignore at every query.

SQLModel declares a table's fields as their Python types (`Avvik.status: str`,
`Avvik.id: int | None`), which is right for rows but wrong for the class attributes
used in queries: a type checker sees `Avvik.status.in_(...)` as a method of `str` and
`Avvik.id == Tiltak.avvik_id` as a `bool`. The fixes live here, once:

- `col(Avvik.status)`: the attribute as the column expression it is at run time, for
  `.in_()`, `.desc()`, `.is_(None)`, `order_by`, `join` conditions and `or_()`.
  (`where()` on SQLModel's own `select` already accepts the plain comparisons.)
- `pk(row)`: a stored row's primary key as `int`; a row not yet flushed has none, and
  passing its `None` on as a foreign key would be a bug, so it raises instead.
- `table_of(Model)`: the Core `Table`, for the plain INSERT / UPDATE / upserts that hot
  paths use instead of the unit of work.
- `rows_affected(result)`: how many rows an UPDATE or DELETE run by `session.execute` touched.
  (DML goes through `execute`, not `exec`: `exec` is for queries that return rows, and
  the tests' session ends its read transaction after each `exec`.)
- `SelectOf[Model]` / `SelectRows[A, B]`: names for what `select(...)` returns, for
  functions that build a query and let the caller order, limit or count it.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias, TypeVar

from sqlalchemy import CursorResult, Result, Table, inspect
from sqlmodel import SQLModel, col
from sqlmodel.sql.expression import Select, SelectOfScalar

__all__ = ["SelectOf", "SelectRows", "col", "pk", "rows_affected", "table_of"]

T = TypeVar("T")

SelectOf: TypeAlias = SelectOfScalar[T]
"""`select(Model)` (or one column): `session.exec(...)` yields the objects themselves."""

SelectRows: TypeAlias = Select
"""`select(A, B, ...)`: `session.exec(...)` yields tuples; subscript with the row's types."""


class Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: Stored) -> int:
    """The primary key of a row that is in the database (flushed), as the `int` it then is."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it before using its id")
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel table class (what `Model.__table__` is at run time)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


def rows_affected(result: Result[Any]) -> int:
    """The row count of an UPDATE or DELETE (what `session.execute` returns for one is a cursor result)."""
    if not isinstance(result, CursorResult):
        raise TypeError("rows_affected() needs the result of an UPDATE or DELETE")
    return int(result.rowcount or 0)
