"""Neutral inbound types: every platform payload becomes one of these before the conversation sees it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChannelUser:
    platform: str  # slack | teams | console
    workspace: str  # Slack team id, Teams tenant id, "local"
    user_id: str
    locale: str | None = None  # the platform's guess at the person's language (Teams activity, Slack users.info)


@dataclass(frozen=True)
class IncomingMessage:
    user: ChannelUser
    person_id: int
    text: str
    supports_forms: bool = False  # True where the edge can show a Form natively (modal, card)


@dataclass(frozen=True)
class Interaction:
    """A button press or a form submission."""

    user: ChannelUser
    person_id: int
    action_id: str
    value: str = ""
    values: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    supports_forms: bool = True  # False in text channels: forms become a guided dialog
