"""Fake delivery adapters and small helpers shared by the notification tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from notifications.base import Recipient, RetryLater


@dataclass
class FakeAdapter:
    """Records every send; `script` lists exceptions to raise on successive calls (None = succeed)."""

    platform: str = "slack"
    script: list[Exception | None] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # email -> user id, for find_user
    sent: list[tuple[str, Recipient, dict | None]] = field(default_factory=list)
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def deliver(self, *, recipient, reply, previous_ref, dedupe_key):  # type: ignore[no-untyped-def]
        with self.lock:
            self.calls += 1
            outcome = self.script.pop(0) if self.script else None
            if outcome is not None:
                raise outcome
            self.sent.append((dedupe_key, recipient, previous_ref))
            return {"channel": recipient.user_id or recipient.target, "ts": f"{len(self.sent)}.000"}

    def keys(self) -> list[str]:
        return [k for k, _r, _p in self.sent]


@dataclass
class LookupAdapter(FakeAdapter):
    async def find_user(self, *, email: str):  # type: ignore[no-untyped-def]
        uid = self.users.get(email)
        return {"user_id": uid, "workspace": "T1"} if uid else None


@dataclass
class RememberingAdapter(FakeAdapter):
    """Knows what it already sent (like Slack message metadata), so a reclaimed row is not resent."""

    remembered: dict[str, dict] = field(default_factory=dict)

    async def find_sent(self, *, recipient, dedupe_key):  # type: ignore[no-untyped-def]
        return self.remembered.get(dedupe_key)


def rate_limited(after: float | None = 30.0) -> RetryLater:
    return RetryLater("ratelimited (429)", after=after)


def make_kommuner(session, n: int, prefix: str) -> list[int]:  # type: ignore[no-untyped-def]
    """`n` kommuner (slugs `<prefix><i>`), committed; their ids. Not the demo org: these tests count per kommune."""
    from models.tables import Organisation

    out = []
    for i in range(n):
        org = Organisation(slug=f"{prefix}{i}", name=f"Kommune {i}")
        session.add(org)
        session.flush()
        assert org.id is not None
        out.append(org.id)
    session.commit()
    return out
