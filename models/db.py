"""Engines and transactions for SQLite (embedded default) and PostgreSQL (scale-out).

SQLite is tuned so two server workers and the scheduler can write at once without
"database is locked": WAL, synchronous=NORMAL, a busy timeout, foreign keys, and
BEGIN IMMEDIATE for every transaction so a read-then-write never upgrades a lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, pool_size: int = 4, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # pysqlite's own transaction handling is off (isolation_level=None); we
        # open every writing transaction as IMMEDIATE so writers queue on the busy
        # timeout instead of failing when a deferred read lock cannot be upgraded.
        # Read-only scopes stay deferred so readers never wait for writers (WAL).
        if conn.get_execution_options().get("trad_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process, so pools are shared by everything in it."""
    if url is None:
        from models.settings import get_settings

        url = get_settings().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def reset_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def read_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A read-only unit of work: never takes SQLite's write lock, and never commits.

    Ends with close(), which rolls the database transaction back but, unlike rollback(),
    leaves the loaded objects readable (detached), so callers may use them after the block.
    """
    session = Session((engine or get_engine()).execution_options(trad_readonly=True), expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commit when the block ends normally, roll back otherwise."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
