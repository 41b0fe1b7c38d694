"""The Slack edge: translates Slack requests to the conversation layer and back."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from models.settings import Settings


def mount(app: FastAPI, settings: Settings) -> None:
    """Add POST /slack/events when Slack is configured (filled in by the Slack edge)."""
    return None
