"""The Microsoft Teams edge: Bot Framework activities to the conversation layer and back."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from models.settings import Settings


def mount(app: FastAPI, settings: Settings) -> None:
    """Add POST /api/messages when Teams is configured (filled in by the Teams edge)."""
    return None
