"""The writers' queue of an SQLite file is shared between processes (models/sqlite_lock.py).

What an operator relies on: a writer in another process (the background of `trad serve`, `trad
deliver`) is waited for, and one that crashes while writing never leaves the file locked.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from models.sqlite_lock import WriteLock

HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_writer_in_another_process_is_waited_for_and_its_crash_frees_the_file(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "trad.db")
    other = subprocess.Popen([sys.executable, "-c", HOLD, str(lock.path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        assert lock.acquire(timeout=0.05) is False  # the other process writes: we wait, then give up
        assert lock.acquire(timeout=0.05) is False  # and giving up left nothing held in this process
        other.send_signal(signal.SIGKILL)  # it crashes mid-write
        other.wait(timeout=10)
        assert lock.acquire(timeout=5) is True
        lock.release()
    finally:
        if other.poll() is None:
            other.kill()


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "trad.db")
    assert lock.acquire(timeout=1)
    lock.release()
    assert lock.path.stat().st_mode & 0o077 == 0


WRITER = """
import sys, threading, time
from pathlib import Path
from models import sqlite_lock
if sys.argv[2] == "background":
    sqlite_lock.give_way_to_requests()
lock = sqlite_lock.WriteLock(Path(sys.argv[1]))

def write():
    assert lock.acquire(timeout=20)
    with open(sys.argv[3], "a") as out:
        out.write(sys.argv[2] + "\\n")
    time.sleep(0.2)
    lock.release()
    busy_until = time.monotonic() + 0.1  # keep the GIL a while, as a loaded server does: the
    while time.monotonic() < busy_until:  # next thread of this process cannot run to take the lock
        pass

sys.setswitchinterval(1.0)
writers = [threading.Thread(target=write) for _ in range(int(sys.argv[4]))]
for w in writers:
    w.start()
time.sleep(0.1)
print("waiting", flush=True)
for w in writers:
    w.join()
"""


def test_a_background_writer_gives_way_to_a_waiting_request(tmp_path: Path) -> None:
    """`trad serve`'s background, `trad deliver` and `trad scheduler` write after the waiting web requests."""
    db, order = tmp_path / "trad.db", tmp_path / "order"
    held = WriteLock(db)
    assert held.acquire(timeout=1)  # a transaction in progress; both writers queue behind it

    def start(kind: str, threads: int = 1) -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(db), kind, str(order), str(threads)],
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None and p.stdout.readline().strip() == "waiting"
        return p

    background = start("background")
    request = start("request", threads=3)
    import time

    time.sleep(0.3)  # both are polling now
    held.release()
    assert background.wait(timeout=30) == 0 and request.wait(timeout=30) == 0
    # All three of the web process's writers go first, also the two queued behind its own first
    # one: a background transaction slipping in between each of them made acks wait seconds.
    assert order.read_text().split() == ["request", "request", "request", "background"]
