"""Pacing: keep sends under each platform's rate limits, so 429s stay rare.

Slack allows ~300 messages/min per workspace and about one per second per channel;
Teams 7/s per conversation and ~50/s per tenant. `Pacer` paces one process; `SharedPacer`
books the same slots in the database (`models.services.pacing_slots`), so several delivering
processes together keep the limits (SHARED_PACING, on by default with PostgreSQL). The
composition root builds one per process from the settings and hands it to the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from models.settings import Settings
from models.uow import UnitOfWork

# The send-time gate keeps actual sends to one workspace at least 1 / (rate × this) apart: looser than
# the booking's headroom, so a send held back by a late one ahead of it catches up with its slots.
GATE_HEADROOM = 0.97
# How many times a shared-pacing send that woke too late books a fresh workspace slot before it goes anyway
# (a process starved for longer than that sends late rather than never).
REBOOKS = 3


async def _sleep_until(epoch: float) -> None:
    if (delay := epoch - time.time()) > 0:
        await asyncio.sleep(delay)


@dataclass(frozen=True)
class Limit:
    """Sends per second for the whole platform (workspace/tenant), and the minimum gap per channel."""

    rate_per_s: float | None = None
    channel_interval_s: float | None = None


class Pacer:
    """Reserves send slots so paced sending stays under a platform's rate limits.

    Slot reservation needs no lock: the event loop runs `reserve` without interruption.
    `headroom` (< 1) sends slightly slower than the limit so clock jitter between us and
    the platform does not turn into 429s.
    """

    def __init__(self, limits: dict[str, Limit] | None = None, *, headroom: float = 0.95,
                 gate_headroom: float = GATE_HEADROOM) -> None:
        self.limits = limits or {}
        self.headroom = headroom
        self.gate_headroom = gate_headroom
        self._next_global: dict[str, float] = {}
        self._next_channel: dict[tuple[str, str], float] = {}
        self._next_send: dict[str, float] = {}

    def reserve(self, platform: str, channel: str | None, now: float | None = None,
                workspace: str | None = None) -> float:
        """Book the next slot for (platform, channel) and return how long to wait for it."""
        now = time.monotonic() if now is None else now
        limit = self.limits.get(platform)
        if limit is None:
            return 0.0
        slot = now
        ckey = (platform, channel or "")
        gkey = f"{platform}:{workspace}" if workspace else platform  # the limit is per workspace / tenant
        if limit.channel_interval_s and channel:
            slot = max(slot, self._next_channel.get(ckey, now))
        if limit.rate_per_s:
            slot = max(slot, self._next_global.get(gkey, now))
            self._next_global[gkey] = slot + 1.0 / (limit.rate_per_s * self.headroom)
        if limit.channel_interval_s and channel:
            self._next_channel[ckey] = slot + limit.channel_interval_s / self.headroom
            if len(self._next_channel) > 50_000:  # forget channels whose slot has passed
                self._next_channel = {k: v for k, v in self._next_channel.items() if v > now}
        return max(0.0, slot - now)

    def in_flight_per_kommune(self, platforms: set[str], horizon_s: float = 10.0) -> int | None:
        """How many rows of one kommune may be in flight at once: what its workspace's pace sends in
        `horizon_s` (the slowest paced platform here), so no row waits long for its slot and a busy
        kommune never fills a claim. None when nothing here is paced."""
        rates = [lim.rate_per_s for p, lim in self.limits.items() if p in platforms and lim.rate_per_s]
        if not rates:
            return None
        return max(1, round(min(rates) * self.headroom * horizon_s))

    def hold_channel(self, platform: str, channel: str | None, seconds: float, workspace: str | None = None) -> None:
        """After a 429, keep the channel's and the workspace's next send at least `seconds` away:
        Slack's Retry-After holds the method for the whole workspace, not only the channel."""
        until = time.monotonic() + seconds
        if channel:
            key = (platform, channel)
            self._next_channel[key] = max(self._next_channel.get(key, 0.0), until)
        limit = self.limits.get(platform)
        if limit is not None and limit.rate_per_s and seconds > 0:
            gkey = f"{platform}:{workspace}" if workspace else platform
            self._next_global[gkey] = max(self._next_global.get(gkey, 0.0), until)
            # and the gate: rows that booked their slot before the 429 wait for Retry-After too
            self._next_send[gkey] = max(self._next_send.get(gkey, 0.0), until)

    async def hold(self, platform: str, channel: str | None, seconds: float, workspace: str | None = None) -> None:
        """`hold_channel` from the event loop (the shared pacer writes the hold in a worker thread)."""
        self.hold_channel(platform, channel, seconds, workspace)

    async def wait(self, platform: str, channel: str | None, workspace: str | None = None) -> None:
        delay = self.reserve(platform, channel, workspace=workspace)
        if delay > 0:
            await asyncio.sleep(delay)

    def gate_interval(self, platform: str) -> float | None:
        limit = self.limits.get(platform)
        if limit is None or not limit.rate_per_s:
            return None
        return 1.0 / (limit.rate_per_s * self.gate_headroom)

    async def gate(self, platform: str, workspace: str | None = None) -> None:
        """Just before the platform call: wait until the workspace's previous actual send is one interval ago.

        Why, besides the booked slot: a send that leaves late (its process waited for the CPU) and the
        next one leaving on time would share one of Slack's 1-second windows (a 429, and the workspace
        held for Retry-After); the slot keeps the order, the gate the spacing of what really leaves.
        In memory, because every send to a workspace leaves from one process: the only deliverer, or
        with shared pacing the kommune's owner (`models.services.outbox_owners`); a round trip per send
        to share it through the database doubled the CPU per DM (issue 13, bench/README.md)."""
        interval = self.gate_interval(platform)
        if interval is None:
            return
        key = f"{platform}:{workspace}" if workspace else platform
        while (wait := self._next_send.get(key, 0.0) - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        self._next_send[key] = time.monotonic() + interval


class SharedPacer(Pacer):
    """The same limits, booked in the database: every delivering process shares one pace per key.

    Keys: `<platform>:ws:<workspace>` (Slack workspace / Teams tenant; `-` when unknown) and
    `<platform>:ch:<workspace>:<channel>` (Slack channel or DM / Teams conversation).
    """

    def __init__(self, limits: dict[str, Limit] | None, uow: UnitOfWork, *, headroom: float = 0.95,
                 gate_headroom: float = GATE_HEADROOM) -> None:
        super().__init__(limits, headroom=headroom, gate_headroom=gate_headroom)
        self.uow = uow

    def keys(self, platform: str, channel: str | None, workspace: str | None) -> list[tuple[str, float]]:
        limit = self.limits.get(platform)
        if limit is None:
            return []
        ws = workspace or "-"
        out = []
        if limit.rate_per_s:
            out.append((f"{platform}:ws:{ws}", 1.0 / (limit.rate_per_s * self.headroom)))
        if limit.channel_interval_s and channel:
            out.append((f"{platform}:ch:{ws}:{channel}"[:200], limit.channel_interval_s / self.headroom))
        return out

    def _book_slot(self, keys: list[tuple[str, float]]) -> float:
        """The booked slot, in epoch seconds (the clock is read inside the booking, once the keys are locked)."""
        from models.services import pacing_slots

        with self.uow.write() as tx:
            slot = pacing_slots.reserve(session=tx, keys=keys)
        return slot

    def _book(self, keys: list[tuple[str, float]]) -> float:
        """How long to wait for a newly booked slot, counted from after the booking's round trip."""
        return self._book_slot(keys) - time.time()

    def _hold(self, keys: list[str], until: float) -> None:
        from models.services import pacing_slots

        with self.uow.write() as tx:
            for key in keys:
                pacing_slots.hold(session=tx, key=key, until=until)

    async def wait(self, platform: str, channel: str | None, workspace: str | None = None) -> None:
        """Sleep until a booked slot, and book the workspace's slot again if this process woke too late.

        Why: the send-time gate spaces only this process's sends. A process that stalls (CPU, a pause of
        its event loop) wakes with several slots past and would send those rows back to back while
        another process sends on its own slots: up to twice the workspace's rate for as long as the stall
        lasted (the shared-pacing test caught 15 sends in one second against a limit of 10). A send more
        than one workspace interval late gives its slot up and books a fresh one, at most `REBOOKS` times;
        its channel's booking stands, so the channel's spacing and order are kept."""
        keys = self.keys(platform, channel, workspace)
        if not keys:
            return
        workspace_keys = [(key, interval) for key, interval in keys if ":ws:" in key]
        slot = await asyncio.to_thread(self._book_slot, keys)
        for _ in range(REBOOKS):
            await _sleep_until(slot)
            if not workspace_keys or time.time() - slot <= workspace_keys[0][1]:
                return
            slot = await asyncio.to_thread(self._book_slot, workspace_keys)
        await _sleep_until(slot)

    def hold_channel(self, platform: str, channel: str | None, seconds: float, workspace: str | None = None) -> None:
        super().hold_channel(platform, channel, seconds, workspace)
        keys = [key for key, _interval in self.keys(platform, channel, workspace)]
        if seconds > 0 and keys:
            with contextlib.suppress(Exception):  # the row is rescheduled anyway; the hold only spares a 429
                self._hold(keys, time.time() + seconds)

    async def hold(self, platform: str, channel: str | None, seconds: float, workspace: str | None = None) -> None:
        """The hold in a worker thread: written on the event loop it waited for the workspace row's lock
        (every process books that row) and stalled every other send of this process for ~0.2 s per 429,
        so their posts left late and drew more 429s (issue 13, profiled)."""
        await asyncio.to_thread(self.hold_channel, platform, channel, seconds, workspace)


def limits_from_settings(settings: Settings) -> dict[str, Limit]:
    """The configured limits (SLACK_RATE_PER_MINUTE, TEAMS_RATE_PER_SECOND …) as `Limit`s."""
    return {
        "slack": Limit(rate_per_s=settings.slack_rate_per_minute / 60.0,
                       channel_interval_s=settings.slack_channel_interval_seconds),
        "teams": Limit(rate_per_s=settings.teams_rate_per_second,
                       channel_interval_s=1.0 / settings.teams_conversation_rate_per_second),
    }
