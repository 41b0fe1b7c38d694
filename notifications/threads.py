"""The GIL in a background process (`trad serve`'s child, `trad deliver`, `trad scheduler`) on SQLite.

Why: a web request that writes waits for the one SQLite writer in progress. A background writer
that holds the file's write lock needs the GIL again after every SQLite call, and it competes for
it with every other thread of its process (the database threads, a scheduled job's thread) at the
GIL's default turn of 5 ms. At 0.5 ms, as the web process already has (`SLACK_GIL_SWITCH_MS`),
the holder gets back to its transaction soon after each call. Not measured on its own: the holds
of seconds measured on 2026-12-05 were the CPU starvation fixed in `notifications.child`.

The database threads are not cut to one: the same pool also runs network calls (an SMTP send, a
token from Entra ID), which must not hold up the outbox's and the report inbox's database work.
PostgreSQL has no file lock; nothing changes there.
"""

from __future__ import annotations

import sys

from models.settings import Settings

GIL_SWITCH_S = 0.0005


def quicken_gil_turns(settings: Settings) -> None:
    """Call at the start of a background process, before its threads start."""
    if settings.is_sqlite:
        sys.setswitchinterval(GIL_SWITCH_S)
