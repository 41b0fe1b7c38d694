"""Posting a period's summary to the leadership channel(s), exactly once per period and channel.

The scheduler calls `enqueue_summary(session=, org_id=, period_key=, targets=, tz_name=)`;
`trad summary --post` calls it too, both with `summary_targets(settings)`. Nothing is sent
here: the summary goes into the outbox with a unique dedupe key
(`summary:<period>:<platform>:org<id>`), so a second call, a restarted scheduler or two
schedulers at once leave one message per channel, and the outbox worker owns delivery.

The payload is neutral: the `Reply` every adapter understands, with the typed summary's JSON
in `rich["summary"]`, from which each platform renders its own card at delivery.
"""

from __future__ import annotations

import base64
import logging

from sqlmodel import Session, col, select

from models.i18n import use_locale
from models.messages import Reply
from models.periods import parse_period
from models.services import tenants
from models.services._tx import writes
from models.services.outbox import enqueue
from models.settings import Settings
from models.tables import OutboxMessage
from reports.chart import render_chart_png
from reports.queries import build_summary
from reports.render import to_reply
from reports.summary import Summary

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


def summary_locale(tx: Session, settings: Settings, org_id: int) -> str:
    """The language of the leadership summary posted to chat: the kommune's own default language."""
    return tenants.org_locale(tx, org_id, settings)


def dedupe_key(period_key: str, platform: str, org_id: int) -> str:
    return f"summary:{period_key}:{platform}:org{org_id}"


def build_payload(reply: Reply, summary: Summary) -> dict:
    """The Reply with the summary's figures beside it, for the platforms that render their own card."""
    return reply.model_copy(update={"rich": {"summary": summary.model_dump(mode="json")}}).model_dump(mode="json")


@writes
def enqueue_summary(*, session: Session, org_id: int, period_key: str, targets: list[tuple[str, str]],
                    tz_name: str, locale: str | None = None) -> bool:
    """Build the period's summary and enqueue it for each (platform, target). True if anything was added.

    `locale` is the language of the neutral Reply (see `summary_locale`); bokmål when not given.
    """
    period = parse_period(period_key)
    keys = {p: dedupe_key(period.key, p, org_id) for p, _t in targets}
    if not targets:
        log.info("no leadership channel configured; summary %s not posted", period.key)
        return False
    existing = set(session.exec(select(OutboxMessage.dedupe_key)
                                .where(col(OutboxMessage.dedupe_key).in_(list(keys.values())))).all())
    todo = [(p, t) for p, t in targets if keys[p] not in existing]
    if not todo:
        return False
    summary = build_summary(session=session, org_id=org_id, period=period, tz_name=tz_name)
    with use_locale(locale):
        payload = build_payload(to_reply(summary, render_chart_png(summary)), summary)
    added = False
    for platform, target in todo:
        added |= enqueue(session, dedupe_key=keys[platform], kind="summary", payload=payload, org_id=org_id,
                         target=target, platform=platform)
    return added


def chart_bytes(reply_payload: dict) -> bytes | None:
    """The chart PNG of an enqueued summary payload (for adapters and tests)."""
    b64 = reply_payload.get("image_png_b64")
    return base64.b64decode(b64) if b64 else None
