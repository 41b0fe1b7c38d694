"""Finding 5 (file modes) and 9 (weak secrets) of the security review."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from models.settings import Settings

GOOD_SIGNING = "8f14e45fceea167a5a36dedd4bea2543"


@pytest.mark.parametrize("weak", ["short", "x" * 40, "changeme" * 5, "abcdefghijklmnopqrstuvwxyz0123456789",
                                  "Passw0rd!Passw0rd!Passw0rd!Passw0rd!", "test-" + "w" * 40, "1234567890" * 4])
def test_a_weak_secret_key_stops_the_server_and_names_the_setting(weak: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(SECRET_KEY=weak)


@pytest.mark.parametrize("bad", ["x", "abc123realsecret", "8F14E45FCEEA167A5A36DEDD4BEA2543", GOOD_SIGNING + "0",
                                 "g" * 32])
def test_a_signing_secret_not_in_slacks_format_stops_the_server(bad: str) -> None:
    with pytest.raises(ValidationError, match="SLACK_SIGNING_SECRET"):
        Settings(SLACK_BOT_TOKEN="xoxb-1-2-abc", SLACK_SIGNING_SECRET=bad)


def test_real_secrets_are_accepted() -> None:
    for _ in range(50):
        s = Settings(SECRET_KEY=secrets.token_urlsafe(48), SLACK_BOT_TOKEN="xoxb-1-2-abc",
                     SLACK_SIGNING_SECRET=secrets.token_hex(16))
        assert s.slack_enabled


def test_the_demo_secret_generated_into_var_passes_the_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forms.varsling.security import load_secret

    monkeypatch.chdir(tmp_path)
    generated = load_secret(Settings()).decode("utf-8")
    assert Settings(SECRET_KEY=generated).secret_key == generated


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_sqlite_files_and_var_are_private(tmp_path: Path) -> None:
    from sqlalchemy import text

    from models.db import make_engine

    old = os.umask(0o022)
    try:
        db = tmp_path / "var" / "trad.db"
        engine = make_engine(f"sqlite:///{db}")
        with engine.begin() as c:
            c.execute(text("CREATE TABLE t (x INTEGER)"))
            c.execute(text("INSERT INTO t VALUES (1)"))
        assert _mode(db.parent) == 0o700
        assert _mode(db) == 0o600
        for side in ("trad.db-wal", "trad.db-shm"):
            if (db.parent / side).exists():
                assert _mode(db.parent / side) == 0o600
        engine.dispose()
        # a database left readable by an older version is tightened when opened
        os.chmod(db, 0o644)
        make_engine(f"sqlite:///{db}").dispose()
        assert _mode(db) == 0o600
    finally:
        os.umask(old)


def test_the_console_inbox_is_private(tmp_path: Path) -> None:
    from bot.console.delivery import ConsoleInbox

    old = os.umask(0o022)
    try:
        inbox = ConsoleInbox(tmp_path / "var" / "console-inbox.jsonl")
        inbox.append({"to": "a@b.no", "text": "hei"})
        assert _mode(inbox.path) == 0o600 and _mode(inbox.path.parent) == 0o700
    finally:
        os.umask(old)
