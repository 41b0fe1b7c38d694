"""A kept report wakes this process's report-inbox worker at once, instead of at its next poll.

Why: the worker polled every 0.2 s, so at 20 reports a second it found four waiting and registered them
back to back, holding SQLite's writers' lock for about 16 ms, and a request that came meanwhile waited for
it (bench/slack.md). Woken by each report, the worker registers it in the gap after its own ack, before
the next request comes. Only this process's worker is woken; a worker in another process (`trad deliver`)
still finds the report at its poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

_listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
_lock = threading.Lock()


def arrived() -> None:
    """A report was kept (committed): wake every listening worker of this process. Safe from any thread."""
    with _lock:
        listeners = list(_listeners)
    for loop, event in listeners:
        with contextlib.suppress(RuntimeError):  # its loop has closed: the worker is gone
            loop.call_soon_threadsafe(event.set)


@contextlib.contextmanager
def listening() -> Iterator[asyncio.Event]:
    """On the worker's event loop: an event set whenever a report is kept in this process."""
    entry = (asyncio.get_running_loop(), asyncio.Event())
    with _lock:
        _listeners.add(entry)
    try:
        yield entry[1]
    finally:
        with _lock:
            _listeners.discard(entry)
