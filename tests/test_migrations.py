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


def test_a_database_with_data_from_before_upgrades_to_the_newest(tmp_path):
    """`make run` reuses ./var/trad.db: the new migrations must apply to a database that has rows.

    On SQLite a batch rebuild of `oppdrag` (which other tables point at) fails with
    «FOREIGN KEY constraint failed» once there is data; columns are added in place instead.
    """
    from alembic import command
    from sqlalchemy import create_engine, text

    from models.migrate import alembic_config, pending, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    for head in ("0002_varsling", "0003_report_indexes", "0004_avvik_idempotency", "0006_web_auth"):
        command.upgrade(alembic_config(url), head)  # the heads before goals, risk and admin landed
    engine = create_engine(url)
    now = "2026-11-01 10:00:00.000000"
    with engine.begin() as c:
        c.execute(text("PRAGMA foreign_keys=ON"))
        c.execute(text(f"INSERT INTO organisation (id, slug, name, created_at) VALUES (1, 'oyer', 'Øyer', '{now}')"))
        c.execute(text("INSERT INTO unit (id, org_id, name, path, id_path, kind, active) "
                       "VALUES (1, 1, 'Aurvoll skole', 'Aurvoll skole', '/1/', 'unit', 1)"))
        c.execute(text("INSERT INTO person (id, org_id, email, name, active, created_at, updated_at) "
                       f"VALUES (1, 1, 'a@b.no', 'Kari', 1, '{now}', '{now}')"))
        c.execute(text("INSERT INTO oppdrag (id, org_id, number, title, description, category, owner_id, status, "
                       f"progress, created_at, updated_at) VALUES (1, 1, 1, 'Vernerunde', '', 'hms', 1, 'pågår', 0, "
                       f"'{now}', '{now}')"))
        c.execute(text("INSERT INTO oppdrag_unit (oppdrag_id, unit_id) VALUES (1, 1)"))
    engine.dispose()
    upgrade(url)
    assert pending(url) == []
    engine = create_engine(url)
    with engine.connect() as c:
        row = c.execute(text("SELECT title, goal_id, oppdragsbrev_id FROM oppdrag")).one()
    engine.dispose()
    assert tuple(row) == ("Vernerunde", None, None)
