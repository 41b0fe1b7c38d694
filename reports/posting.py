"""Posting a period's summary to the leadership channel(s), exactly once per period and channel.

The scheduler calls `enqueue_summary(session=, org_id=, period_key=)`; `trad summary --post`
calls it too. Nothing is sent here: the summary goes into the outbox with a unique dedupe
key (`summary:<period>:<platform>:org<id>`), so a second call, a restarted scheduler or two
schedulers at once leave one message per channel, and the outbox worker owns delivery.
"""

from __future__ import annotations

import base64
import logging

from sqlmodel import Session, select

from models.messages import Reply
from models.periods import parse_period
from models.services._tx import writes
from models.services.outbox import enqueue
from models.settings import Settings, get_settings
from models.tables import OutboxMessage

log = logging.getLogger("trad.reports")

CONSOLE_TARGET = "ledelse"


def summary_targets(settings: Settings) -> list[tuple[str, str]]:
    """(platform, target) for each configured leadership channel; the console in demo mode."""
    out: list[tuple[str, str]] = []
    if settings.slack_leadership_channel:
        out.append(("slack", settings.slack_leadership_channel))
    if settings.teams_leadership_conversation:
        out.append(("teams", settings.teams_leadership_conversation))
    if not out and not settings.slack_enabled and not settings.teams_enabled:
        out.append(("console", CONSOLE_TARGET))
    return out


def dedupe_key(period_key: str, platform: str, org_id: int) -> str:
    return f"summary:{period_key}:{platform}:org{org_id}"


def build_payload(reply: Reply, *, platform: str, slack_blocks: list[dict] | None, teams_card: dict | None) -> dict:
    """The Reply (what every adapter understands) with the platform's own rendering in `rich`.

    An adapter that knows the rich layout posts it; any other still delivers the figures
    and the chart from the generic fields.
    """
    rich: dict = {}
    if platform == "slack" and slack_blocks is not None:
        rich["slack_blocks"] = slack_blocks
    if platform == "teams" and teams_card is not None:
        rich["teams_card"] = teams_card
    return reply.model_copy(update={"rich": rich}).model_dump(mode="json")


@writes
def enqueue_summary(*, session: Session, org_id: int, period_key: str) -> bool:
    """Build the period's summary and enqueue it for each leadership channel. True if anything was added."""
    from reports.chart import render_chart_png
    from reports.queries import build_summary
    from reports.render import render_slack_blocks, render_teams_card, to_reply

    settings = get_settings()
    period = parse_period(period_key)
    targets = summary_targets(settings)
    keys = {p: dedupe_key(period.key, p, org_id) for p, _t in targets}
    if not targets:
        log.info("no leadership channel configured; summary %s not posted", period.key)
        return False
    existing = set(session.exec(select(OutboxMessage.dedupe_key)
                                .where(OutboxMessage.dedupe_key.in_(list(keys.values())))).all())  # type: ignore[attr-defined]
    todo = [(p, t) for p, t in targets if keys[p] not in existing]
    if not todo:
        return False
    summary = build_summary(session=session, org_id=org_id, period=period, tz_name=settings.tz_name)
    chart = render_chart_png(summary)
    reply = to_reply(summary, chart)
    slack_blocks = render_slack_blocks(summary) if any(p == "slack" for p, _ in todo) else None
    teams_card = None
    if any(p == "teams" for p, _ in todo):
        small = render_chart_png(summary, width_in=8.0, height_in=4.2, dpi=72, colors=32)
        teams_card = render_teams_card(summary, small)
    added = False
    for platform, target in todo:
        payload = build_payload(reply, platform=platform, slack_blocks=slack_blocks, teams_card=teams_card)
        added |= enqueue(session, dedupe_key=keys[platform], kind="summary", payload=payload, org_id=org_id,
                         target=target, platform=platform)
    return added


def chart_bytes(reply_payload: dict) -> bytes | None:
    """The chart PNG of an enqueued summary payload (for adapters and tests)."""
    b64 = reply_payload.get("image_png_b64")
    return base64.b64decode(b64) if b64 else None
