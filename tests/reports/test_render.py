"""Renderers: Slack blocks valid and ≤ 50, Adaptive Card 1.5 shape, HTML and CSV carry the figures and escape names."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest
from slack_sdk.models.blocks import Block

from models.services import org as org_svc
from reports.chart import render_chart_png
from reports.queries import build_summary
from reports.render import (
    card_md,
    render_csv,
    render_html,
    render_slack_blocks,
    render_teams_card,
    render_text,
    to_reply,
)
from reports.summary import SectorAvvik
from tests.reports.dataset import NOW, add_avvik, build_dataset, local

EVIL = "Kultur <&> *fet* _x_"


@pytest.fixture
def summary(session, org):
    build_dataset(session, org)
    unit = org_svc.ensure_unit_path(session, org_id=org.org_id, path=f"{EVIL}/Bibliotek <script>")
    org.units["evil"] = unit.id
    add_avvik(session, org, unit="evil", category="annet", risk=2, created=local(2026, 11, 12), title="<img src=x>")
    session.commit()
    return build_summary(session=session, org_id=org.org_id, period="2026-11", now=NOW)


@pytest.fixture(scope="module")
def chart_cache():
    return {}


def _chart(summary, cache):
    if "png" not in cache:
        cache["png"] = render_chart_png(summary)
    return cache["png"]


def test_slack_blocks_are_valid_and_escaped(summary):
    blocks = render_slack_blocks(summary)
    assert 0 < len(blocks) <= 50
    for b in Block.parse_all(blocks):
        b.validate_json()
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Kultur &lt;&amp;&gt; *fet* _x_" in text and "<&>" not in text
    assert all(b.get("text", {}).get("verbatim", True) for b in blocks if b["type"] == "section")
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in blocks[2]["fields"]}
    assert fields["*Nye avvik*"] == "6 (+4 mot oktober 2026)"
    assert fields["*Median tid til lukking*"] == "3,0 dager (før: 10,0 dager)"
    assert "<img" not in text  # no user-written avvik text in a summary


def test_slack_blocks_stay_within_50_for_a_large_municipality(summary):
    many = [SectorAvvik(sector_id=i, sector=f"Sektor {i}", new=i, closed=0, open_at_end=i) for i in range(200)]
    big = summary.model_copy(update={"by_sector": many, "checklists": summary.checklists * 100})
    blocks = render_slack_blocks(big)
    assert len(blocks) <= 50
    for b in Block.parse_all(blocks):
        b.validate_json()
    assert any("… og 175 sektorer til" in (b.get("text") or {}).get("text", "") for b in blocks)
    assert all(len((b.get("text") or {}).get("text", "")) <= 3000 for b in blocks)


def test_teams_card_shape_and_escaping(summary):
    small = render_chart_png(summary, width_in=6.4, height_in=3.4, dpi=72)
    card = render_teams_card(summary, small)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert len(json.dumps(card).encode()) < 40_000
    kinds = {el["type"] for el in card["body"]}
    assert kinds <= {"TextBlock", "FactSet", "Image"} and "Image" in kinds
    img = next(el for el in card["body"] if el["type"] == "Image")
    assert img["url"].startswith("data:image/png;base64,") and img["altText"]
    for fs in (el for el in card["body"] if el["type"] == "FactSet"):
        assert all(isinstance(f["title"], str) and isinstance(f["value"], str) for f in fs["facts"])
    facts = [f for el in card["body"] if el["type"] == "FactSet" for f in el["facts"]]
    assert {"title": card_md(EVIL), "value": "1 nye, 0 lukket, 1 åpne, median –"} in facts
    assert card_md(EVIL) == "Kultur <&\\> \\*fet\\* \\_x\\_"
    # a chart too big for Teams' 40 KB is left out of the card (the adapter sends it as an image)
    assert all(el["type"] != "Image" for el in render_teams_card(summary, b"x" * 60_000)["body"])


def test_html_page_has_figures_chart_and_escapes(summary, chart_cache):
    png = _chart(summary, chart_cache)
    html = render_html(summary, png)
    assert html.startswith("<!doctype html>") and "<style>" in html and "http" not in html.split("<body>")[1]
    assert "Kultur &lt;&amp;&gt; *fet* _x_" in html and "Bibliotek &lt;script&gt;" in html
    assert "<script" not in html and "<img src=x" not in html
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in html
    for figure in ("33,3 %", "3,0 dager", "færre enn 5", "Vold og trusler", "Politiske tilleggsbestillingar"):
        assert figure in html


def test_csv_parses_with_the_figures(summary):
    rows = list(csv.reader(io.StringIO(render_csv(summary))))
    assert rows[0] == ["seksjon", "gruppe", "nøkkel", "verdi"]
    assert all(len(r) == 4 for r in rows)
    assert ["avvik_totalt", "2026-11", "nye", "6"] in rows
    assert ["avvik_totalt", "2026-10", "median_dager_til_lukking", "10,0"] in rows
    assert ["avvik_sektor", EVIL, "nye", "1"] in rows
    assert ["avvik_enhet_kategori", "Oppvekst/Aurvoll skole", "Vold og trusler", "færre enn 5"] in rows
    assert ["sjekkliste", "Oppvekst/Aurvoll skole", "andel_prosent", "100,0"] in rows
    assert ["oppdrag_trafikklys", "Politiske tilleggsbestillingar", "rod", "1"] in rows


def test_text_and_reply(summary, chart_cache):
    text = render_text(summary)
    assert "Nye avvik:" in text and "6 (+4 mot oktober 2026)" in text and "færre enn 5" in text
    png = _chart(summary, chart_cache)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    reply = to_reply(summary, png)
    assert reply.title == "Tråd-sammendrag november 2026"
    assert reply.facts[0].label == "Nye avvik" and reply.facts[0].value.startswith("6 ")
    assert base64.b64decode(reply.image_png_b64) == png and "nov 26: 6" in reply.image_alt
    assert any(i.title == "Avvik per sektor: Oppvekst" for i in reply.items)
