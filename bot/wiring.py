"""What the composition root hands to each edge: built once in `bot.main`, passed in, never looked up.

Edges (`bot.slack`, `bot.teams`, `forms`) receive a `Wiring` in `mount(app, wiring)` and take
what they need from it; nothing below the root calls `get_settings()` or `get_engine()` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.conversation.engine import Conversation
    from models.settings import Settings
    from models.uow import UnitOfWork


@dataclass(frozen=True)
class Wiring:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    conversation: Conversation
    # platform name -> delivery adapter (notifications.base.Adapter); filled by the root
    adapters: dict[str, Any] = field(default_factory=dict)
