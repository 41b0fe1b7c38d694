"""The writers' queue for one SQLite file, shared by threads and by processes.

Why: SQLite's own busy handler polls with sleeps of 1, 2, 5 … 100 ms, so a writer that finds the
file locked for 1 ms can sleep 25 ms or more. With `trad serve`'s background in its own process
(SERVE_BACKGROUND=child), `trad deliver` or a second web worker, that turned a 5 ms Slack ack into
25–2,000 ms whenever the background wrote. Writers here queue first on a thread lock (this process)
and then on an `flock` of `<db>-writelock` (every process), polled every 0.2–2 ms, so the lock
passes on within about a millisecond of the commit. The kernel drops the flock of a process that
dies, so a crash never leaves the file locked. SQLite's own lock still guards the data; this only
orders the writers that use Tråd's engine (anything else meets the busy timeout as before).
Background processes give way (`give_way_to_requests`): while a request's writer waits, they wait.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

FIRST_PAUSE_S = 0.0002
LONGEST_PAUSE_S = 0.002
_gives_way = False  # set in background processes: their writers wait while a request's writer waits


def give_way_to_requests() -> None:
    """Make this process's writers yield to any other process's waiting writer.

    For the processes that only do background work (`trad serve`'s background process, `trad deliver`,
    `trad scheduler`): a nudge fan-out commits once per leader and takes the lock again at once, so
    without this a web request polling for the lock could lose to it for seconds. A waiting request
    now waits for one background transaction at most.
    """
    global _gives_way
    _gives_way = True


class WriteLock:
    """`acquire(timeout)` / `release()` around one write transaction on one SQLite file."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + "-writelock")
        self.waiting_path = db_path.with_name(db_path.name + "-writewait")  # shared-locked while a request waits
        self._thread = threading.Lock()
        self._waiters_lock = threading.Lock()
        self._waiters = 0  # threads of this process waiting to write (see `_start_waiting`)
        self._fds: tuple[int, int] | None = None
        self._pid = os.getpid()

    def _files(self) -> tuple[int, int]:
        if self._fds is None or self._pid != os.getpid():  # a forked child opens its own
            self._fds = (os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600),
                         os.open(self.waiting_path, os.O_RDWR | os.O_CREAT, 0o600))
            self._pid = os.getpid()
        return self._fds

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not _gives_way:
            self._start_waiting()  # before the thread lock: a writer queued behind another thread waits too
        try:
            if not self._thread.acquire(timeout=timeout):
                return False
            try:
                lock_fd, waiting_fd = self._files()
                if self._take(lock_fd, waiting_fd, deadline):
                    return True
                self._thread.release()
                return False
            except BaseException:
                self._thread.release()
                raise
        finally:
            if not _gives_way:
                self._stop_waiting()

    def _start_waiting(self) -> None:
        """Hold the shared «a request waits» lock while any thread of this process waits to write.

        Why a count and not a flock per acquire: the flock belongs to the process's one open file,
        so the first writer to get in would drop it for the threads still queued behind it, and a
        background process would slip in between each of them (measured: web writes then went one
        per background transaction, and acks waited seconds during a nudge fan-out).
        """
        with self._waiters_lock:
            self._waiters += 1
            if self._waiters == 1:
                fcntl.flock(self._files()[1], fcntl.LOCK_SH)

    def _stop_waiting(self) -> None:
        with self._waiters_lock:
            self._waiters -= 1
            if self._waiters == 0:
                fcntl.flock(self._files()[1], fcntl.LOCK_UN)

    def _take(self, lock_fd: int, waiting_fd: int, deadline: float) -> bool:
        pause = FIRST_PAUSE_S
        while True:
            if not _gives_way or _nobody_waits(waiting_fd):
                try:
                    fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    pass
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)

    def release(self) -> None:
        try:
            if self._fds is not None:
                fcntl.flock(self._fds[0], fcntl.LOCK_UN)
        finally:
            self._thread.release()


def _nobody_waits(waiting_fd: int) -> bool:
    try:
        fcntl.flock(waiting_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(waiting_fd, fcntl.LOCK_UN)
    return True
