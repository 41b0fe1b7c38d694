"""A real server for the varsling web tests: uvicorn in a thread on 127.0.0.1, one per module and backend.

Logs of every logger are captured, so tests can prove that neither content nor a
client address was written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.live import free_port, module_database, serve_in_thread


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


@pytest.fixture(scope="module")
def server(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from bot.main import create_app
    from models.db import get_engine, reset_engines
    from models.settings import Settings
    from tests.factories import make_test_org
    from tests.varsling.helpers import give_keys

    url, db_path = module_database(backend, request, tmp_path_factory, "varsling-web")
    with Session(get_engine(url), expire_on_commit=False) as s:
        org = make_test_org(s)
        give_keys(s, org, "mottaker", "leder", "leder2")
    port = free_port()
    secret = "test-varsling-Ub4Xe9RkWq2Nz7LdCv5Mh8Tp3Ys6Gj1"
    settings = Settings(DATABASE_URL=url, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SECRET_KEY=secret,
                        SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False, TRAD_ORG="testkommune",
                        VARSLING_ALTERNATIVE_CONTACT="Kontrollutvalget, post@kontroll.example")
    app = create_app(settings)
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        # debug logging on purpose: the no-trace test proves nothing identifying is logged even then
        with serve_in_thread(app, port, log_level="debug"):
            yield Server(base=f"http://127.0.0.1:{port}", port=port, db_url=url, db_path=db_path, org=org,
                         logs=capture, app=app, secret=secret)
    finally:
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
