"""A real server for the varsling web tests: uvicorn in a thread on 127.0.0.1, one per module and backend.

Logs of every logger are captured, so tests can prove that neither content nor a
client address was written anywhere.
"""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import Session

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record) + " " + repr(record.args))
        except Exception:  # noqa: BLE001
            self.lines.append(str(record.msg))


@dataclass
class Server:
    base: str
    port: int
    db_url: str
    db_path: Path | None
    org: object
    logs: _Capture
    app: object
    secret: str
    extra: dict = field(default_factory=dict)

    def log_text(self) -> str:
        return "\n".join(self.logs.lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    from bot.main import create_app
    from models.db import get_engine, reset_engines
    from models.settings import Settings
    from tests.conftest import _truncate_pg
    from tests.factories import make_test_org
    from tests.varsling.helpers import give_keys

    tmp = tmp_path_factory.mktemp("varsling-web")
    db_path = None
    if backend == "sqlite":
        db_path = tmp / "trad.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), db_path)
        url = f"sqlite:///{db_path}"
    else:
        url = request.getfixturevalue("_pg_schema_url")
        _truncate_pg(url)
    reset_engines()
    with Session(get_engine(url), expire_on_commit=False) as s:
        org = make_test_org(s)
        give_keys(s, org, "mottaker", "leder", "leder2")
    port = _free_port()
    secret = "test-" + "k" * 40
    settings = Settings(DATABASE_URL=url, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SECRET_KEY=secret,
                        SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False, TRAD_ORG="testkommune",
                        VARSLING_ALTERNATIVE_CONTACT="Kontrollutvalget, post@kontroll.example")
    app = create_app(settings)
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_config=None,
                            proxy_headers=False, server_header=False, log_level="debug", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.025)
    assert srv.started, "uvicorn did not start"
    try:
        yield Server(base=f"http://127.0.0.1:{port}", port=port, db_url=url, db_path=db_path, org=org, logs=capture,
                     app=app, secret=secret)
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        root.removeHandler(capture)
        root.setLevel(old_level)
        reset_engines()


@pytest.fixture
def limiter_reset(server: Server) -> Iterator[None]:
    limiter = server.app.state.varsling_limiter  # type: ignore[attr-defined]
    limiter.reset()
    limiter.base_delay = 0.01  # the growth is asserted in test_security; keep the suite fast
    yield
    limiter.base_delay = 0.25
    server.app.state.varsling_limiter.reset()  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def _cheap_kdf() -> Iterator[None]:
    """Lower the Argon2 costs in tests only (same code paths; bench/varsling.py measures the real ones)."""
    import nacl.pwhash

    from models.services import varsling_crypto as vc

    saved = (vc.RECEIPT_TIME_COST, vc.RECEIPT_MEMORY_KIB, vc.PASSPHRASE_OPSLIMIT, vc.PASSPHRASE_MEMLIMIT)
    vc.RECEIPT_TIME_COST, vc.RECEIPT_MEMORY_KIB = 1, 8 * 1024
    vc.PASSPHRASE_OPSLIMIT, vc.PASSPHRASE_MEMLIMIT = nacl.pwhash.argon2id.OPSLIMIT_MIN, 8 * 1024 * 1024
    yield
    vc.RECEIPT_TIME_COST, vc.RECEIPT_MEMORY_KIB, vc.PASSPHRASE_OPSLIMIT, vc.PASSPHRASE_MEMLIMIT = saved
