"""Test fixtures: every database test runs on SQLite and on PostgreSQL, each with a clean database.

SQLite: one migrated template file per run, copied for each test (fast and truly clean).
PostgreSQL: one schema per run inside TEST_DATABASE_URL's database (so parallel runs never
collide), migrated once, with every table truncated before each test.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default=os.environ.get("TRAD_TEST_DB", "all"), choices=("all", *BACKENDS),
                     help="which database backends to run the database tests on")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        backends = BACKENDS if choice == "all" else (choice,)
        metafunc.parametrize("backend", backends, scope="session")


# Settings the tests must never inherit from a developer's shell or .env.
_CLEARED = [
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "SLACK_LEADERSHIP_CHANNEL",
    "TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "TEAMS_AUTHORITY", "TEAMS_OPENID_METADATA_URL",
    "TEAMS_SERVICE_URL_HOSTS", "TEAMS_LEADERSHIP_CONVERSATION", "SECRET_KEY", "PUBLIC_BASE_URL",
]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("OUTBOX_WORKER_ENABLED", "false")
    monkeypatch.chdir(tmp_path)  # no .env from the checkout; ./var lands in tmp
    from models.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from models.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_schema_url() -> Iterator[str]:
    from models.migrate import upgrade

    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    schema = f"trad_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is not reachable at TEST_DATABASE_URL={base}: {exc}")
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    from sqlmodel import SQLModel

    from models.migrate import import_all_tables

    import_all_tables()
    eng = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    # A previous test's background work (a server thread finishing a request) may still
    # hold a lock for a moment: wait briefly and retry rather than deadlock the suite.
    for attempt in range(20):
        try:
            with eng.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            break
        except OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.25)
    eng.dispose()


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean, migrated database for this test; DATABASE_URL points at it."""
    from models.db import reset_engines
    from models.settings import get_settings

    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "trad.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("_pg_schema_url")
        _truncate_pg(url)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    reset_engines()
    yield url
    reset_engines()


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    from models.db import get_engine

    return get_engine(db_url)


class AutoEndSession(Session):
    """A test session whose plain reads end their transaction at once.

    Tests inspect the database between calls that run on other connections (the app,
    the conversation, a server thread). On SQLite an open transaction would hold the
    write lock (BEGIN IMMEDIATE) or an old snapshot; ending it after each read makes
    the test see what a user would see, on both databases.
    """

    def _end_if_clean(self) -> None:
        if not (self.new or self.dirty or self.deleted):
            self.commit()

    def exec(self, statement, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        if hasattr(statement, "execution_options"):
            statement = statement.execution_options(populate_existing=True)
        result = super().exec(statement, *args, **kwargs)
        if hasattr(result, "all"):
            rows = result.all()
            self._end_if_clean()
            return _Rows(rows)
        self._end_if_clean()
        return result

    def get(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        kwargs.setdefault("populate_existing", True)
        obj = super().get(*args, **kwargs)
        self._end_if_clean()
        return obj

    def refresh(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        super().refresh(*args, **kwargs)
        self._end_if_clean()


class _Rows(list):  # type: ignore[type-arg]
    """The rows of a finished query, with the Result methods tests use."""

    def all(self):  # type: ignore[no-untyped-def]
        return list(self)

    def one(self):  # type: ignore[no-untyped-def]
        if len(self) != 1:
            raise AssertionError(f"expected one row, got {len(self)}")
        return self[0]

    def first(self):  # type: ignore[no-untyped-def]
        return self[0] if self else None

    def one_or_none(self):  # type: ignore[no-untyped-def]
        return self.one() if self else None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return super().__iter__()


@pytest.fixture
def session(engine) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    with AutoEndSession(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def org(session: Session):  # type: ignore[no-untyped-def]
    """The small test organisation (see tests/factories.py)."""
    from tests.factories import make_test_org

    return make_test_org(session)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Headless Chromium for one test module (pages get their own contexts).

    Module scope, not session: playwright's sync API keeps an event loop running while the
    browser lives, and later tests that call asyncio.run would find it.
    """
    from tests.live import chromium

    with chromium() as b:
        yield b
