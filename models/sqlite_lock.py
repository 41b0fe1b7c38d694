"""The writers' queue for one SQLite file, shared by threads and by processes.

Why: SQLite's own busy handler polls with sleeps of 1, 2, 5 … 100 ms, so a writer that finds the
file locked for 1 ms can sleep 25 ms or more. With `trad serve`'s background in its own process
(SERVE_BACKGROUND=child), `trad deliver` or a second web worker, that turned a 5 ms Slack ack into
25–2,000 ms whenever the background wrote. Writers here queue first on a thread lock (this process)
and then on an `flock` of `<db>-writelock` (every process), polled every 0.2–2 ms, so the lock
passes on within about a millisecond of the commit. The kernel drops the flock of a process that
dies, so a crash never leaves the file locked. SQLite's own lock still guards the data; this only
orders the writers that use Tråd's engine (anything else meets the busy timeout as before).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

FIRST_PAUSE_S = 0.0002
LONGEST_PAUSE_S = 0.002


class WriteLock:
    """`acquire(timeout)` / `release()` around one write transaction on one SQLite file."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + "-writelock")
        self._thread = threading.Lock()
        self._fd: int | None = None
        self._pid = os.getpid()

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._thread.acquire(timeout=timeout):
            return False
        try:
            fd, pause = self._file(), FIRST_PAUSE_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self._thread.release()
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, LONGEST_PAUSE_S)
        except BaseException:
            if self._thread.locked():
                self._thread.release()
            raise

    def release(self) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread.release()
