"""The threads of a background process (`trad serve`'s child, `trad deliver`, `trad scheduler`) on SQLite.

Why: a web request that writes waits for the one SQLite writer in progress. A background writer
that holds the file's write lock needs the GIL again after every SQLite call, and it competes for
it with every other thread of its process: six database threads and a scheduled job, at the GIL's
default turn of 5 ms. So on SQLite the process does its database work on one thread (the writes
are one at a time anyway), scheduled jobs run on a thread of their own (`notifications.scheduler`),
and the GIL changes hands every 0.5 ms, so the holder gets back to its transaction soon after each
call. (The holds of seconds measured on 2026-12-05 were the CPU starvation fixed in
`notifications.child`; with both, the longest hold in the same run was 78 ms. This change was not
measured on its own.) PostgreSQL has no file lock; nothing changes there.
"""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor

from models.settings import Settings

GIL_SWITCH_S = 0.0005


def confine_database_threads(settings: Settings) -> None:
    """Call from inside the background process's event loop, before its workers start."""
    if not settings.is_sqlite:
        return
    sys.setswitchinterval(GIL_SWITCH_S)
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1, thread_name_prefix="trad-db"))
