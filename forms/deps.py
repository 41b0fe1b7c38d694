"""What the web routes get from the composition root, as FastAPI dependencies.

`forms.mount(app, wiring)` keeps the root's `Wiring` on `app.state`; routes and helpers take
the unit of work, the settings and the conversation from it (as `UowDep`, `SettingsDep`,
`ConversationDep` in a route's signature, or `uow_of(request)` in a helper), never by
building an engine or reading the environment themselves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from bot.conversation.engine import Conversation
from bot.wiring import Wiring
from models.settings import Settings
from models.uow import UnitOfWork


def keep_wiring(app: FastAPI, wiring: Wiring) -> None:
    app.state.wiring = wiring


def wiring_of(request: Request) -> Wiring:
    wiring: Wiring = request.app.state.wiring
    return wiring


def uow_of(request: Request) -> UnitOfWork:
    return wiring_of(request).uow


def settings_of(request: Request) -> Settings:
    return wiring_of(request).settings


def conversation_of(request: Request) -> Conversation:
    return wiring_of(request).conversation


UowDep = Annotated[UnitOfWork, Depends(uow_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]
ConversationDep = Annotated[Conversation, Depends(conversation_of)]
