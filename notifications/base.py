"""The port every delivery adapter implements (Slack, Teams, console, e-mail).

The outbox worker owns retries and pacing; an adapter only sends one message and
says how it went: return the platform's reference, or raise one of the errors below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from models.messages import Reply


class DeliveryError(Exception):
    """Base for delivery outcomes that are not success."""


class RetryLater(DeliveryError):
    """A 429, a 5xx or a network error: try again after `after` seconds (Retry-After when given)."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class Unreachable(DeliveryError):
    """The recipient cannot be reached on this platform (no account, app not installed)."""


class PermanentFailure(DeliveryError):
    """The platform refused the message for good (bad payload, channel gone)."""


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to, with what the adapter may need to find them."""

    person_id: int | None
    email: str | None
    name: str | None
    user_id: str | None  # the platform's user id, when known
    workspace: str | None
    conversation_ref: dict | None
    target: str | None  # a channel / conversation id for messages not to a person
    org_id: int | None = None  # the kommune the message belongs to (which installation's token to use)


class Adapter(Protocol):
    platform: str

    async def deliver(self, *, recipient: Recipient, reply: Reply, previous_ref: dict | None,
                      dedupe_key: str) -> dict:
        """Send (or, with `previous_ref`, update in place) and return the platform's reference."""
        ...

    # Optional: `gates_each_post = True` and a keyword `gate` (an awaitable callable) on `deliver`: the
    # adapter awaits `gate()` right before each platform call that counts against the rate limit, so the
    # send-time gate (`Pacer.gate`) spaces what reaches the wire, not what starts rendering (Slack).
    # Optional: adapters that can find a person who never talked to the bot implement
    #   async def find_user(self, *, email: str) -> dict | None
    # returning {"user_id": ..., "workspace": ..., "conversation_ref": {...} | None}
    # (Slack: users.lookupByEmail; Teams: a stored installation). The worker stores
    # the result as a ChatIdentity so the next message goes straight there.
