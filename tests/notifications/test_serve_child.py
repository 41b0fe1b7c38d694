"""`trad serve` runs its background work in a child process at a lower CPU priority (issue 15, points 1 and 4).

What an operator notices: the server says where the background runs; the child holds the runtime
lease, is restarted if it dies, and goes away with the server, so no orphan keeps delivering.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    """Children of every thread of `pid` (the supervisor thread starts a replacement child)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with_children = task / "children"
        if with_children.exists():
            found += [int(p) for p in with_children.read_text().split() if not _zombie(int(p))]
    return found


def _background_pid(server: int) -> int | None:
    for child in _children(server):
        cmd = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if b"background" in cmd:
            return child
    return None


def _wait(what, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    return None


def _holder(db: Path) -> str | None:
    import sqlite3

    with sqlite3.connect(db) as c:
        row = c.execute("SELECT holder FROM runtime_lease WHERE name = 'background'").fetchone()
    return row[0] if row else None


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_the_background_runs_in_a_niced_child_that_is_restarted_and_stops_with_the_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    db = tmp_path / "serve.db"
    env.update(DATABASE_URL=f"sqlite:///{db}", SCHEDULER_ENABLED="true", OUTBOX_WORKER_ENABLED="true",
               SERVE_BACKGROUND="child")
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], check=True, env=env, timeout=120, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    return json.loads(r.read())["status"] == "ok"
            except OSError:
                return False

        assert _wait(healthy, 60), Path(log.name).read_text()
        child = _wait(lambda: _background_pid(proc.pid))
        assert child, Path(log.name).read_text()
        server_nice = os.getpriority(os.PRIO_PROCESS, proc.pid)
        assert os.getpriority(os.PRIO_PROCESS, child) == min(19, server_nice + 10)  # 19 is the lowest priority
        # The server's session, so its nice counts against the server's under the kernel's autogroups
        # (a session of its own got half the core whatever its nice); a process group of its own, so
        # Ctrl+C reaches only the server, which stops the child in order.
        assert os.getsid(child) == os.getsid(proc.pid)
        assert os.getpgid(child) == child != os.getpgid(proc.pid)
        assert _wait(lambda: (_holder(db) or "").split(":")[1:2] == [str(child)]), "the child holds the lease"
        out = Path(log.name).read_text()
        assert f"run in background process {child} (nice 10)" in out
        assert "requests only" in out

        os.kill(child, signal.SIGKILL)  # the child dies: the server starts a new one
        again = _wait(lambda: (p := _background_pid(proc.pid)) and p != child and p)
        assert again, Path(log.name).read_text()
        assert "starting a new one" in Path(log.name).read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert again is not None
    assert _wait(lambda: not Path(f"/proc/{again}").exists() or _zombie(again), 20), "the child outlived the server"
    assert "Traceback" not in Path(log.name).read_text()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
