"""Engines and transactions for SQLite (embedded default) and PostgreSQL (scale-out).

SQLite is tuned so two server workers and the scheduler can write at once without
"database is locked": WAL, synchronous=NORMAL, a busy timeout, foreign keys, and
BEGIN IMMEDIATE for every transaction so a read-then-write never upgrades a lock.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from models import foreground
from models.files import private_file, tighten
from models.sqlite_lock import WriteLock

BUSY_TIMEOUT_MS = 30_000
_WRITE_LOCK_KEY = "trad_sqlite_write_lock"
_write_locks: dict[str, WriteLock] = {}
_write_locks_guard = threading.Lock()


def _write_lock_for(path: str) -> WriteLock:
    """One writers' queue per database file, shared by every engine on it in this process
    and, through its lock file, with every other process (`models.sqlite_lock`)."""
    key = str(Path(path).resolve())
    with _write_locks_guard:
        if key not in _write_locks:
            _write_locks[key] = WriteLock(Path(key))
        return _write_locks[key]


def make_engine(url: str, *, pool_size: int = 4, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            _private_sqlite(Path(path))
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        )
        _pause_background_for_requests(engine)  # first: its «begin» hook runs before the writers' lock is taken
        _tune_sqlite(engine, _write_lock_for(path) if path and path != ":memory:" else None)
        return engine
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    _pause_background_for_requests(engine)
    return engine


def _pause_background_for_requests(engine: Engine) -> None:
    """Background work in this process pauses while a request is answered (`models.foreground`): at each
    read statement, and before a write transaction begins, never while it holds a write lock. Apart from
    `models.sqlite_lock.give_way_to_requests`, which orders SQLite's writers across processes."""
    @event.listens_for(engine, "before_cursor_execute")
    def _before_statement(conn: Connection, *_args: object) -> None:
        if foreground.requests_in_flight() and conn.get_execution_options().get("trad_readonly"):
            foreground.give_way()

    @event.listens_for(engine, "begin")
    def _before_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get("trad_readonly"):
            foreground.give_way_to_write()


def _private_sqlite(path: Path) -> None:
    """The database file 0600 in a 0700 directory; SQLite gives its -wal and -shm files the file's mode."""
    private_file(path)
    for side in ("-wal", "-shm", "-journal", "-writelock", "-writewait"):
        tighten(path.with_name(path.name + side))


def _tune_sqlite(engine: Engine, write_lock: WriteLock | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # pysqlite's own transaction handling is off (isolation_level=None); we
        # open every writing transaction as IMMEDIATE so writers queue on the busy
        # timeout instead of failing when a deferred read lock cannot be upgraded.
        # Read-only scopes stay deferred so readers never wait for writers (WAL).
        if conn.get_execution_options().get("trad_readonly"):
            conn.exec_driver_sql("BEGIN")
            return
        # Writers queue on the file's writers' lock first (threads and processes,
        # `models.sqlite_lock`): SQLite's busy handler polls with sleeps of 1, 2, 5 … 100 ms,
        # so a writer that finds the database locked for 1 ms can sleep 25 ms or more;
        # the writers' lock passes on within about a millisecond of the commit.
        if write_lock is not None:
            if not write_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
                # The same error SQLite's own busy timeout gives, so callers see one kind.
                raise exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(
                    "database is locked (waited for another writer in this process)"))
            conn.info[_WRITE_LOCK_KEY] = write_lock
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_write_lock(conn)
            raise

    if write_lock is not None:
        @event.listens_for(engine, "commit")
        def _on_commit(conn: Connection) -> None:
            # Commit here, then hand the lock on; SQLAlchemy's own commit that follows
            # finds no open transaction and does nothing (pysqlite, isolation_level=None).
            if _WRITE_LOCK_KEY in conn.info:
                try:
                    dbapi = conn.connection.dbapi_connection
                    if dbapi is not None:
                        dbapi.commit()
                finally:
                    _release_write_lock(conn)

        @event.listens_for(engine, "rollback")
        def _on_rollback(conn: Connection) -> None:
            if _WRITE_LOCK_KEY in conn.info:
                try:
                    dbapi = conn.connection.dbapi_connection
                    with contextlib.suppress(Exception):  # SQLAlchemy's own rollback follows and reports it
                        if dbapi is not None:
                            dbapi.rollback()
                finally:
                    _release_write_lock(conn)


def _release_write_lock(conn: Connection) -> None:
    lock = conn.info.pop(_WRITE_LOCK_KEY, None)
    if lock is not None:
        lock.release()


_engines: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    """One engine per URL per process, so pools are shared by everything in it.

    Called by the composition root (`bot.main.build_engine`) and the `cli.py` modules, with the settings' URL.
    """
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def reset_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work: never takes SQLite's write lock, and never commits.

    Ends with close(), which rolls the database transaction back but, unlike rollback(),
    leaves the loaded objects readable (detached), so callers may use them after the block.
    """
    session = Session(engine.execution_options(trad_readonly=True), expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit when the block ends normally, roll back otherwise."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
