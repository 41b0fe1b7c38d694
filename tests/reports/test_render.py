"""Neutral renderers: HTML and CSV carry the figures and escape names; text, JSON and the neutral Reply."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest

from reports.chart import render_chart_png
from reports.render import render_csv, render_html, render_json, render_text, to_reply
from tests.reports.dataset import EVIL, evil_summary


@pytest.fixture
def summary(session, org):
    return evil_summary(session, org)


@pytest.fixture(scope="module")
def chart_cache():
    return {}


def _chart(summary, cache):
    if "png" not in cache:
        cache["png"] = render_chart_png(summary)
    return cache["png"]


def test_html_page_has_figures_chart_and_escapes(summary, chart_cache):
    png = _chart(summary, chart_cache)
    html = render_html(summary, png)
    assert html.startswith("<!doctype html>") and "<style>" in html and "http" not in html.split("<body>")[1]
    assert "Kultur &lt;&amp;&gt; *fet* _x_" in html and "Bibliotek &lt;script&gt;" in html
    assert "<script" not in html and "<img src=x" not in html
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in html
    for figure in ("33,3\u00a0%", "3 dager", "færre enn 5", "Vold og trusler", "Politiske tilleggsbestillingar"):
        assert figure in html


def test_csv_parses_with_the_figures(summary):
    rows = list(csv.reader(io.StringIO(render_csv(summary))))
    assert rows[0] == ["seksjon", "gruppe", "nøkkel", "verdi"]
    assert all(len(r) == 4 for r in rows)
    assert ["avvik_totalt", "2026-11", "nye", "6"] in rows
    assert ["avvik_totalt", "2026-10", "median_dager_til_lukking", "10"] in rows
    assert ["avvik_sektor", EVIL, "nye", "1"] in rows
    assert ["avvik_enhet_kategori", "Oppvekst/Aurvoll skole", "Vold og trusler", "færre enn 5"] in rows
    assert ["sjekkliste", "Oppvekst/Aurvoll skole", "andel_prosent", "100"] in rows
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


def test_json_has_one_section_per_subject_with_named_figures(summary):
    js = json.loads(render_json(summary))
    assert {"avvik", "internkontroll", "oppdrag", "varsling"} <= set(js)
    assert js["period_key"] == "2026-11" and "totals" not in js
    assert js["avvik"]["period"] == {"new": 6, "closed": 3, "open_at_end": 5, "median_days_to_close": 3.0}
    assert js["avvik"]["previous"]["period_key"] == "2026-10" and js["avvik"]["change"]["new"] == 4
    assert js["internkontroll"]["answered"] == 1 and js["internkontroll"]["due"] == 3
    assert js["oppdrag"]["by_light"] == {"gronn": 2, "gul": 2, "rod": 2, "ingen": 1} and js["oppdrag"]["total"] == 7
    assert js["varsling"]["received"] == {"count": None, "suppressed": "fewer_than_5"}

    def cells(node):
        if isinstance(node, dict):
            if set(node) == {"count", "suppressed"}:
                yield node
            for v in node.values():
                yield from cells(v)
        elif isinstance(node, list):
            for v in node:
                yield from cells(v)

    found = list(cells(js))
    assert found and all(isinstance(c["count"], int) != bool(c["suppressed"]) for c in found)
    assert "færre enn 5" not in json.dumps(js, ensure_ascii=False)  # no strings in number fields


def test_docs_describe_every_field_of_the_json():
    """docs/summaries.md is the schema people read: a field added to the summary must be described there."""
    import re
    import typing
    from pathlib import Path

    from pydantic import BaseModel

    from reports.summary import Summary

    doc = (Path(__file__).resolve().parents[2] / "docs" / "summaries.md").read_text(encoding="utf-8")
    schema = doc.split("## The JSON")[1].split("\n## ")[0]
    seen: set[type] = set()

    def fields(model: type[BaseModel]):
        for name, info in model.model_fields.items():
            yield name
            for t in [info.annotation, *typing.get_args(info.annotation)]:
                for inner in [t, *typing.get_args(t)]:
                    if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                        seen.add(inner)
                        yield from fields(inner)

    missing = {f for f in fields(Summary) if not re.search(rf"\b{f}\b", schema)}
    assert not missing


def test_csv_cells_that_start_like_a_formula_are_shown_as_text(summary):
    """OWASP's rule in the summary CSV: = + - @ tab and carriage return get a leading quote."""
    from reports.render import csvrow

    for evil in ("=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        [[cell]] = list(csv.reader(io.StringIO(csvrow([evil]))))
        assert cell == "'" + evil
    [[number]] = list(csv.reader(io.StringIO(csvrow([-3]))))
    assert number == "-3"


def test_year_summary_heading_names_its_own_year(session, org, chart_cache):
    """The year 2026 starts at 2025-12-31 23:00 UTC: the heading must still say 2026, not 2025."""
    from reports.queries import build_summary
    from tests.reports.dataset import NOW, build_dataset

    build_dataset(session, org)
    year = build_summary(session=session, org_id=org.org_id, period="2026", now=NOW)
    html = render_html(year, _chart(year, chart_cache))
    sub = html.split('<p class="sub">')[1].split("</p>")[0]
    assert "året 2026" in sub and "2025" not in sub
