"""Running the Alembic migrations from code (the `trad migrate` command, start-up and tests).

We upgrade to "heads": features add their tables on their own migration branches from
the foundation revision, and every branch is applied.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# Packages whose modules may define extra tables (each feature keeps its tables beside its code).
TABLE_PACKAGES = ("models.tables",)


def import_all_tables() -> None:
    for name in TABLE_PACKAGES:
        pkg = importlib.import_module(name)
        for mod in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{name}.{mod.name}")


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "heads")
    if url is None:
        from models.settings import get_settings

        url = get_settings().database_url
    if url.startswith("sqlite"):
        # Keep the planner's statistics current so it picks the right index as data grows.
        from models.db import make_engine

        engine = make_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA optimize")
        engine.dispose()


def revision(message: str, url: str, *, head: str = "0001_foundation@head", rev_id: str | None = None) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True, head=head, rev_id=rev_id)
