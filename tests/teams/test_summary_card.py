"""The periodic summary in Teams: its own Adaptive Card with the chart inline, under Teams' 40 KB limit."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from sqlmodel import select

from bot.teams.delivery import TeamsAdapter
from bot.teams.summary import card_md, reply_summary_card, summary_card
from models.messages import Reply
from models.settings import get_settings
from models.tables import OutboxMessage
from notifications.base import Recipient
from reports.chart import render_chart_png
from reports.posting import enqueue_summary
from tests.reports.dataset import EVIL, build_dataset, evil_summary
from tests.teams.fakes import TENANT

LIMIT = 40 * 1024
CONV = "19:ledelse@thread.tacv2"


@pytest.fixture
def summary_reply(teams_env, session, org) -> Reply:
    build_dataset(session, org)
    assert enqueue_summary(session=session, org_id=org.org_id, period_key="2026-11", targets=[("teams", CONV)],
                           tz_name="Europe/Oslo") is True
    row = session.exec(select(OutboxMessage).where(OutboxMessage.platform == "teams")).one()
    assert set(row.payload["rich"]) == {"summary"}  # the figures, not a Teams card: rendered at delivery
    return Reply.model_validate(row.payload)


def _deliver(teams_env, engine, reply: Reply) -> list[dict]:
    adapter = TeamsAdapter(get_settings(), engine=engine)
    ref = {"serviceUrl": teams_env.service_url, "conversationId": CONV, "tenantId": TENANT}
    recipient = Recipient(person_id=None, email=None, name=None, user_id=None, workspace=TENANT,
                          conversation_ref=ref, target=CONV)
    asyncio.run(adapter.deliver(recipient=recipient, reply=reply, previous_ref=None, dedupe_key="summary:test"))
    return [c for c in teams_env.state.activities("POST") if c["path"] == f"/v3/conversations/{CONV}/activities"]


def test_posted_summary_is_the_summary_card_with_the_chart_under_40_kb(teams_env, engine, summary_reply):
    posted = _deliver(teams_env, engine, summary_reply)
    assert len(posted) == 1
    body = posted[0]["body"]
    assert len(json.dumps(body, ensure_ascii=False).encode()) < LIMIT
    card = body["attachments"][0]["content"]
    texts = [b.get("text", "") for b in card["body"]]
    assert "sammendrag november 2026" in texts[0]
    assert "Avvik per sektor" in texts and "Oppdrag etter trafikklys" in texts  # the summary's own layout
    images = [b for b in card["body"] if b["type"] == "Image"]
    assert len(images) == 1 and images[0]["url"].startswith("data:image/png;base64,")
    png = base64.b64decode(images[0]["url"].split(",", 1)[1])
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert images[0]["altText"].startswith("Stolpediagram")


def test_an_oversized_rich_card_is_split_into_activities_under_the_limit(teams_env, engine, summary_reply):
    card = reply_summary_card(summary_reply)
    assert card is not None
    filler = [{"type": "TextBlock", "text": f"Enhet {i} " + "x" * 900, "wrap": True} for i in range(120)]
    big = {**card, "body": [*card["body"], *filler]}
    posted = _deliver(teams_env, engine, summary_reply.model_copy(update={"rich": {"teams_card": big}}))
    assert len(posted) >= 3
    assert all(len(json.dumps(p["body"], ensure_ascii=False).encode()) < LIMIT for p in posted)
    blocks = [b for p in posted for b in p["body"]["attachments"][0]["content"]["body"]]
    assert blocks == big["body"]  # nothing lost, nothing doubled, in order


def test_summary_card_shape_and_escaping(session, org):
    summary = evil_summary(session, org)
    small = render_chart_png(summary, width_in=6.4, height_in=3.4, dpi=72)
    card = summary_card(summary, small)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert len(json.dumps(card).encode()) < LIMIT
    kinds = {el["type"] for el in card["body"]}
    assert kinds <= {"TextBlock", "FactSet", "Image"} and "Image" in kinds
    img = next(el for el in card["body"] if el["type"] == "Image")
    assert img["url"].startswith("data:image/png;base64,") and img["altText"]
    for fs in (el for el in card["body"] if el["type"] == "FactSet"):
        assert all(isinstance(f["title"], str) and isinstance(f["value"], str) for f in fs["facts"])
    facts = [f for el in card["body"] if el["type"] == "FactSet" for f in el["facts"]]
    assert {"title": card_md(EVIL), "value": "1 nye, 0 lukket, 1 åpne, median –"} in facts
    assert card_md(EVIL) == "Kultur <&\\> \\*fet\\* \\_x\\_"
    assert {"title": "Mottatt", "value": "færre enn 5"} in facts  # varsling: counts only, suppressed
    # a chart too big for Teams' 40 KB is left out of the card (the adapter sends it as an image)
    assert all(el["type"] != "Image" for el in summary_card(summary, b"x" * 60_000)["body"])
