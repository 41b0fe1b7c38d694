"""Garbage-collector policy for a serving process: keep full collections off the request path.

A full (generation 2) collection walks every tracked object while holding the GIL, and
every request in flight waits it out. A server that has imported FastAPI, SQLAlchemy,
slack-bolt and matplotlib holds 150–200k such objects, almost all of them modules,
classes, mappers and caches that live as long as the process. On the benchmark machine
a full collection took 40–120 ms, a few times a minute while the heap was still growing:
that pause *was* the p99 of the Slack benchmark at 100 requests/s (bench/slack.md).

`gc.freeze()` moves everything alive into the permanent generation, which collections
skip; it costs nothing (it links two lists). We freeze once the app has started, after
one collection while no request is in flight, and again after the first minute and
after ten minutes, once the first requests have imported what is imported lazily. Those
later freezes run without a collection (that would be the very pause we avoid), so the
few hundred objects of cyclic garbage that may sit in the old generation at that moment
are kept for the life of the process: a bounded, one-off cost. Objects frozen and later
dropped are still freed by reference counting; only cycles among them are not.

Only serving processes do this (`bot.main.serve_app`): test processes build many apps
and should collect normally.
"""

from __future__ import annotations

import asyncio
import gc
import logging

log = logging.getLogger("trad")
LATER_FREEZES_S = (60.0, 600.0)


def freeze_now(*, collect: bool) -> int:
    """Move every tracked object into the permanent generation; returns how many are frozen."""
    if collect:
        gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def schedule_freezes(loop: asyncio.AbstractEventLoop, delays: tuple[float, ...] = LATER_FREEZES_S) -> list[asyncio.TimerHandle]:
    """Freeze again after warm-up (lazy imports, first compiled queries), without collecting."""
    def later() -> None:
        log.debug("gc: %d objects frozen", freeze_now(collect=False))

    return [loop.call_later(d, later) for d in delays]


M_ARENA_MAX = -8  # glibc's mallopt() parameter number (malloc.h)


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas for the threads this process starts; True when it took effect.

    Why: glibc gives threads their own arenas (up to 8 per core) and returns little of their freed
    memory to the system. A serving process runs database work on a pool of threads, so its resident
    memory crept up ~2.3 MB a minute under steady load while Python's own allocations stayed flat
    (tracemalloc); with 2 arenas the growth after warm-up fell to ~0.4 MB a minute (bench/memory.md).
    Called before the app starts its threads; a no-op outside glibc (musl, macOS) or with 0.
    """
    if arenas <= 0:
        return False
    import ctypes
    import ctypes.util

    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
