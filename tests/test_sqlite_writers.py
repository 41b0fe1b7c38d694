"""SQLite as the embedded default: many writers in one process, none lost, none stuck.

Writers in one process queue on an in-process lock before SQLite's own (models.db). These
tests check what a user would notice if that lock were wrong: a write that never lands,
or every later write failing with «database is locked» after one failed transaction.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from models import db


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 2_000)  # a leaked lock fails fast instead of after 30 s
    eng = db.make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with eng.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT NOT NULL UNIQUE)"))
    yield eng
    eng.dispose()


def test_many_threads_writing_at_once_all_land(engine) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(40):
                with db.session_scope(engine) as s:
                    s.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": f"{n}-{i}"})
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with db.read_scope(engine) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 8 * 40


def test_a_failed_write_does_not_block_the_next_one(engine) -> None:  # type: ignore[no-untyped-def]
    with db.session_scope(engine) as s:
        s.execute(text("INSERT INTO t (who) VALUES ('first')"))
    with pytest.raises(IntegrityError), db.session_scope(engine) as s:
        s.execute(text("INSERT INTO t (who) VALUES ('first')"))  # duplicate: rolled back
    with pytest.raises(RuntimeError), db.session_scope(engine) as s:
        s.execute(text("INSERT INTO t (who) VALUES ('rolled back')"))
        raise RuntimeError("the use case failed after writing")
    done: list[str] = []

    def other_thread() -> None:
        with db.session_scope(engine) as s:
            s.execute(text("INSERT INTO t (who) VALUES ('second')"))
        done.append("ok")

    t = threading.Thread(target=other_thread)
    t.start()
    t.join(10)
    assert done == ["ok"]
    with db.read_scope(engine) as s:
        assert [r[0] for r in s.execute(text("SELECT who FROM t ORDER BY id"))] == ["first", "second"]


def test_readers_do_not_wait_for_a_writer(engine) -> None:  # type: ignore[no-untyped-def]
    with db.session_scope(engine) as s:
        s.execute(text("INSERT INTO t (who) VALUES ('committed')"))
    with db.session_scope(engine) as writer:
        writer.execute(text("INSERT INTO t (who) VALUES ('in flight')"))
        seen: list[list[str]] = []

        def reader() -> None:
            with db.read_scope(engine) as s:
                seen.append([r[0] for r in s.execute(text("SELECT who FROM t"))])

        t = threading.Thread(target=reader)
        t.start()
        t.join(10)
        assert seen == [["committed"]]  # WAL: the reader sees the last commit, without waiting


def test_a_second_writer_in_the_same_thread_fails_instead_of_hanging(engine) -> None:  # type: ignore[no-untyped-def]
    with db.session_scope(engine) as outer:
        outer.execute(text("INSERT INTO t (who) VALUES ('outer')"))
        with pytest.raises(OperationalError, match="database is locked"), db.session_scope(engine) as inner:
            inner.execute(text("INSERT INTO t (who) VALUES ('inner')"))
    with db.read_scope(engine) as s:
        assert [r[0] for r in s.execute(text("SELECT who FROM t"))] == ["outer"]
