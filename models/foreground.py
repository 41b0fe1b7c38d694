"""Requests first: background work in a serving process pauses while a request is being answered.

Why: in `trad serve`'s embedded default the outbox worker, the report inbox and the scheduled jobs
run on threads of the web process, and Python runs one thread at a time. Every turn a background
thread takes while a Slack ack is under way is added to the ack: a 305-leader nudge fan-out moved
`/avvik`'s p50 at 100 requests/s from 2.3 to 7.2 ms (bench/slack.md, 2026-12-05 06:16). Threads have
no priorities in Python, so background code yields by itself, at its database statements (the
engine's hooks in `models.db`), which come every fraction of a millisecond in that work:

- a background read statement, and the start of a background write transaction, wait while any
  request is in flight, at most `MAX_PAUSE_S` each, so background work still moves on a process that
  is never idle, and no background thread ever waits while it holds a write lock;
- while requests flow (one was answered within `FLOWING_S`), the background begins at most one write
  transaction in each gap between them (`give_way_to_write`), so on SQLite a request's own write does not
  find the writers' lock held by a second background write begun back to back;
- the edges mark a request with `request()`; the background marks its work with `background()`
  (a context variable, so it follows the work into `asyncio.to_thread` and the tasks it starts).

Only this process is ordered; across processes `models.sqlite_lock` gives way on SQLite's lock.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_PAUSE_S = 0.02  # per statement: a fan-out slows down under load, but never stops
FLOWING_S = 0.02  # a request ended this recently: requests are flowing, and background writes take turns with them
_background: contextvars.ContextVar[bool] = contextvars.ContextVar("trad_background", default=False)
_quiet = threading.Condition()
_in_flight = 0
_gaps = 0  # how many times the requests in flight fell to none: each is a gap the background may write in
_gap_written = -1  # the gap in which a background write transaction last began
_last_end = 0.0  # when the last request in flight was answered (monotonic)
_async_waiters: set[asyncio.Future[None]] = set()


@contextmanager
def request() -> Iterator[None]:
    """Around the part of a request its caller waits for (a Slack ack)."""
    global _in_flight
    with _quiet:
        _in_flight += 1
    try:
        yield
    finally:
        global _gaps, _last_end
        with _quiet:
            _in_flight -= 1
            if not _in_flight:
                _gaps += 1
                _last_end = time.monotonic()
                _quiet.notify()  # one at a time: a crowd woken at once met the next request (bench/slack.md)
                _wake_one_async_waiter()


def _wake_one_async_waiter() -> None:
    """Wake one of the event loops' waiters (`give_way_async`), rather than have each of them poll."""
    while _async_waiters:
        fut = _async_waiters.pop()
        if not fut.done():
            fut.get_loop().call_soon_threadsafe(_settle, fut)
            return


def _settle(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


@contextmanager
def background() -> Iterator[None]:
    """Around background work: what runs inside, and the threads and tasks it starts, gives way."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


def mark_thread_background() -> None:
    """For a thread that only ever runs background work (a pool's initializer): set for its whole life."""
    _background.set(True)


def in_background() -> bool:
    return _background.get()


def requests_in_flight() -> int:
    return _in_flight


def give_way(max_pause: float | None = None) -> float:
    """In background work on a thread: wait while a request is in flight; returns the seconds waited."""
    if not _in_flight or not _background.get():
        return 0.0
    start = time.monotonic()
    with _quiet:
        _quiet.wait_for(lambda: not _in_flight, timeout=MAX_PAUSE_S if max_pause is None else max_pause)
    return time.monotonic() - start


def give_way_to_write(max_pause: float | None = None) -> float:
    """Before a background write transaction: wait while a request is in flight, and while requests flow, begin
    at most one background write per gap between them; returns the seconds waited.

    Why: on SQLite a request's own write (the report kept before the ack) waits for the writers' lock, and a
    background that started its writes back to back in a gap was still holding the lock when the next request
    came: 100 view submissions/s waited 3 ms at p90 for the report inbox's registrations (bench/slack.md).
    One per gap still keeps pace with the requests that made the work, and `MAX_PAUSE_S` bounds each wait."""
    global _gap_written
    if not _background.get():
        return 0.0
    start = time.monotonic()
    limit = MAX_PAUSE_S if max_pause is None else max_pause
    with _quiet:
        def may_write() -> bool:
            return not _in_flight and (_gap_written != _gaps or time.monotonic() - _last_end >= FLOWING_S)

        if not may_write():
            _quiet.wait_for(may_write, timeout=min(limit, max(_last_end + FLOWING_S - start, 0.0)) if not _in_flight
                            else limit)
        _gap_written = _gaps
    return time.monotonic() - start


async def give_way_async(max_pause: float | None = None) -> None:
    """The same on the event loop (the outbox worker before each delivery): waits without blocking the loop,
    woken once when the last request ends (many deliveries waiting cost the loop nothing meanwhile)."""
    if not _in_flight or not _background.get():
        return
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    with _quiet:
        if not _in_flight:
            return
        _async_waiters.add(fut)
    try:
        await asyncio.wait_for(fut, MAX_PAUSE_S if max_pause is None else max_pause)
    except TimeoutError:
        pass
    finally:
        with _quiet:
            _async_waiters.discard(fut)
