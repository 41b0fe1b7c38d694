"""Running the Alembic migrations from code (the `trad migrate` command, start-up and tests).

We upgrade to "heads": features add their tables on their own migration branches from
the foundation revision, and every branch is applied.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def import_all_tables() -> None:
    """Register every table on SQLModel.metadata, so autogenerate and `create_all` see them all.

    A new table module is one more import here (the package's `__init__` holds the core tables).
    """
    import models.tables  # noqa: F401
    import models.tables.tenant  # noqa: F401
    import models.tables.varsling  # noqa: F401
    import models.tables.web_auth  # noqa: F401


def alembic_config(url: str) -> Config:
    """Alembic's configuration for our migrations; the URL is handed to env.py (the caller has the settings)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "heads")
    if url.startswith("sqlite"):
        # Keep the planner's statistics current so it picks the right index as data grows.
        from models.db import make_engine

        engine = make_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA optimize")
        engine.dispose()


def pending(url: str) -> list[str]:
    """The migration heads this database has not reached yet (empty when it is current).

    Why: a server started on an unmigrated database otherwise answers with a stream of raw SQL
    errors from every background job; one line saying «run trad migrate» is what a person needs.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from models.db import make_engine

    script = ScriptDirectory.from_config(alembic_config(url))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    applied = {rev for head in current for rev in _lineage(script, head)}
    return sorted(h for h in script.get_heads() if h not in applied)


def _lineage(script: object, head: str) -> set[str]:
    from alembic.script import ScriptDirectory

    assert isinstance(script, ScriptDirectory)
    return {r.revision for r in script.walk_revisions(base="base", head=head)}


def revision(message: str, url: str, *, head: str = "0001_foundation@head", rev_id: str | None = None) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True, head=head, rev_id=rev_id)
