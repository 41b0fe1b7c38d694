"""The GIL's turn in every serving process: `trad serve` (web, and its child), `trad deliver`, `trad scheduler`.

Why one rule for all of them: each runs threads beside an event loop, and each has something that
waits when another thread keeps the GIL for Python's default turn of 5 ms.
- In the web process, acks are sent from the event loop, while database work after the ack runs on
  threads; under load the loop's waits for the GIL, not the work, dominated the ack time
  (bench/slack.md).
- In a background process on SQLite, the writer that holds the file's write lock needs the GIL again
  after every SQLite call, while a web request's write waits for that lock.

A turn of 0.5 ms costs the threads a little throughput. `GIL_SWITCH_MS` sets it for every process
(`SLACK_GIL_SWITCH_MS`, its earlier name, still works); 0 keeps Python's default. The background's
turn was not measured on its own: the holds of seconds measured on 2026-12-05 were the CPU
starvation fixed in `notifications.child`.

The database threads of a background process are not cut to one: the same pool also runs network
calls (an SMTP send, a token from Entra ID), which must not hold up the outbox's and the report
inbox's database work.
"""

from __future__ import annotations

import sys

from models.settings import Settings


def shorten_gil_turns(settings: Settings) -> None:
    """Call at the start of a serving process, before its threads start; never lengthens the turn."""
    if settings.gil_switch_ms > 0:
        sys.setswitchinterval(min(sys.getswitchinterval(), settings.gil_switch_ms / 1000))
