"""What the composition root hands to each edge: built once in `bot.main`, passed in, never looked up.

Edges (`bot.slack`, `bot.teams`, `forms`) receive a `Wiring` in `mount(app, wiring)` and take
what they need from it; nothing below the root calls `get_settings()` or `get_engine()` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.conversation.engine import Conversation
    from models.settings import Settings
    from models.uow import UnitOfWork
    from notifications.base import Adapter


@dataclass(frozen=True)
class Wiring:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    conversation: Conversation
    # platform name -> delivery adapter (`bot.main.build_adapters`); the outbox worker sends through them
    adapters: dict[str, Adapter] = field(default_factory=dict)
