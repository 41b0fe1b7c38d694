"""Background work started with the server: the outbox worker and the scheduler.

Filled in by the notifications feature; the server calls `start` and `stop` from its lifespan.
"""

from __future__ import annotations

from typing import Any

from models.settings import Settings


async def start(settings: Settings, app_state: Any) -> None:
    return None


async def stop(app_state: Any) -> None:
    return None
