"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from models.migrate import import_all_tables


def test_migrated_schema_matches_models(engine):
    import_all_tables()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_runs_wal_with_foreign_keys(engine, backend):
    if backend != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_read_scope_does_not_block_writers_and_objects_stay_readable(engine, session, org):
    """A long read (an App Home being built) must not hold SQLite's write lock."""
    from datetime import UTC, datetime

    from models.db import read_scope
    from models.services import avvik as svc
    from models.tables import Person

    with read_scope(engine) as r:
        person = r.get(Person, org.people["ansatt"])
        # a writer on another connection gets through while the read is open
        svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=svc.AvvikInput(
            category="hms", description="Skrevet under en åpen lesing", probability=1, consequence=1,
            occurred_at=datetime.now(UTC)))
    assert person.name == "Kari Ansatt"  # usable after the block
