"""`trad serve`'s background process: scheduler, outbox worker and report inbox, apart from the web.

Why a separate process: in one process every delivery, nudge fan-out and summary competes with the
Slack acks for the GIL and the event loop, and Slack gives up after 3 s (a slow ack reads as an
error to the person). The child runs at a lower CPU priority (nice), so under load the kernel
serves requests first and the background catches up afterwards; its work waits durably in the
database meanwhile. The parent restarts a child that dies; the child stops by itself when its
parent is gone (it watches its parent's pid), so no orphan keeps the runtime lease.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

log = logging.getLogger("trad.runtime")

RESTART_AFTER_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # back off while the child keeps dying at once
HEALTHY_AFTER_S = 60.0  # a child that ran this long starts the back-off afresh when it dies


def child_argv(parent_pid: int) -> list[str]:
    """The command line of the background child: the hidden `trad background` of this interpreter."""
    return [sys.executable, "-m", "bot.cli", "background", "--parent", str(parent_pid)]


class BackgroundChild:
    """Starts the child, restarts it when it dies unexpectedly, and stops it with the server."""

    def __init__(self, argv: Sequence[str], *, nice: int) -> None:
        self.argv, self.nice = list(argv), nice
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _spawn(self) -> subprocess.Popen[bytes]:
        nice = self.nice

        def lower_priority() -> None:  # runs in the child between fork and exec
            if nice:
                os.nice(nice)

        # A process group of its own: Ctrl+C in the terminal reaches the server, which then stops
        # the child in order (instead of both racing to shut down and the supervisor restarting it).
        # Not a session of its own: with the kernel's autogroups (on by default, for processes not
        # in a cgroup of their own) every session gets an equal share of the CPU whatever its nice,
        # so a child in its own session took half the core from the web, and a busy background
        # process the lock holder's time (measured 2026-12-05: 0 CPU for the lock holder for 2.7 s).
        return subprocess.Popen(self.argv, preexec_fn=lower_priority, process_group=0)  # noqa: S603

    def start(self) -> None:
        with self._lock:
            self.proc = self._spawn()
        log.info("runtime role: requests only in the web process; the scheduler, outbox worker and report "
                 "inbox run in background process %s (nice %d)", self.proc.pid, self.nice)
        self._thread = threading.Thread(target=self._supervise, name="trad-background-child", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            proc = self.proc
            assert proc is not None
            started = time.monotonic()
            rc = proc.wait()
            if self._stopping.is_set():
                return
            failures = 0 if time.monotonic() - started > HEALTHY_AFTER_S else failures + 1
            delay = RESTART_AFTER_S[min(failures, len(RESTART_AFTER_S)) - 1] if failures else RESTART_AFTER_S[0]
            log.warning("background process %s ended (exit %s); starting a new one in %.0f s", proc.pid, rc, delay)
            if self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self.proc = self._spawn()
            log.info("background process %s started", self.proc.pid)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the child to finish its current sends and leave; kill it if it does not within `timeout`."""
        self._stopping.set()
        with self._lock:
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("background process %s did not stop in %.0f s; killing it", proc.pid, timeout)
            proc.kill()
            proc.wait()


def parent_gone(parent_pid: int) -> bool:
    """True once the server that started us is gone (we were re-parented)."""
    return os.getppid() != parent_pid
