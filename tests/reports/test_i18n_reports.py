"""Summaries and reports in nynorsk and English (issue 12): no bokmål left, and the summary defects fixed."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from models import i18n
from models.i18n_check import source_messages
from models.vocabulary import (
    AVVIK_CATEGORIES,
    AVVIK_STATUSES,
    OPPDRAG_STATUSES,
    SEVERITY_LABELS,
    TRAFFIC_LIGHTS,
)
from reports.chart import chart_series
from reports.queries import build_summary
from reports.render import render_csv, render_html, render_text, to_reply
from reports.summary import InternkontrollSection
from tests.reports.dataset import NOW, add_avvik, build_dataset, evil_summary, local

#: Labels the domain vocabulary owns (models/vocabulary.py, translated in the domain's catalog).
DOMAIN_LABELS = {*AVVIK_CATEGORIES.values(), *AVVIK_STATUSES.values(), *OPPDRAG_STATUSES.values(),
                 *SEVERITY_LABELS, *TRAFFIC_LIGHTS.values()}


def _bokmal_left(text: str, locale: str) -> list[str]:
    """Marked bokmål strings (whose translation differs) that appear in `text` as written."""
    text = re.sub(r"<style>.*?</style>|data:image/png;base64,[A-Za-z0-9+/=]+", " ", text, flags=re.S)
    found = []
    with i18n.use_locale(locale):
        for msgid in source_messages(["reports"]):
            if msgid in DOMAIN_LABELS or i18n.gettext(msgid) == msgid:
                continue
            for piece in re.split(r"\{[a-z_]*\}", msgid):
                piece = piece.strip(" .,:;()–")
                if len(piece) < 4 or i18n.gettext(msgid).find(piece) >= 0:
                    continue
                if re.search(rf"(?<![\wæøåÆØÅ]){re.escape(piece)}(?![\wæøåÆØÅ])", text):
                    found.append(piece)
    return found


@pytest.fixture
def summary(session, org):
    return evil_summary(session, org)


@pytest.mark.parametrize("locale", ["nn", "en"])
def test_html_and_text_summary_have_no_bokmal_left(summary, locale):
    with i18n.use_locale(locale):
        html, text, csv = render_html(summary), render_text(summary), render_csv(summary)
        reply = to_reply(summary)
    for name, out in (("html", html), ("text", text), ("reply", reply.model_dump_json())):
        assert _bokmal_left(out, locale) == [], name
    # CSV: the header row and the labels are translated; the section and key columns are stable codes
    assert _bokmal_left(csv.splitlines()[0], locale) == []
    assert locale == "nn" or csv.splitlines()[0] == '"section","group","key","value"'
    assert f'<html lang="{locale}">' in html


def test_english_summary_reads_english(summary):
    with i18n.use_locale("en"):
        html, text = render_html(summary), render_text(summary)
    assert "Tråd summary November 2026" in html and "New deviations" in text
    assert "fewer than 5" in html and "færre enn 5" not in html.split("<body>")[1].split('class="note"')[0]
    assert "figures as of 30/11/2026" in html  # one date format: fmt_date in the reader's language
    assert "33.3%" in text


def test_nynorsk_summary_reads_nynorsk(summary):
    with i18n.use_locale("nn"):
        text = render_text(summary)
    assert "Tråd-samandrag november 2026" in text and "Opne ved slutten av perioden" in text
    assert "Åpne ved periodens slutt" not in text


@pytest.mark.parametrize(("locale", "words"), [("nb", "Ingen sjekklister var til svar i perioden"),
                                                ("nn", "Ingen sjekklister skulle svarast på i perioden"),
                                                ("en", "No checklists were due in the period")])
def test_month_without_checklists_due_says_so_in_words(summary, locale, words):
    none_due = summary.model_copy(update={"internkontroll": InternkontrollSection(
        checklist_keys=["2026-11"], due=0, answered=0, completion_pct=None, by_unit=[])})
    with i18n.use_locale(locale):
        outputs = [render_text(none_due), render_html(none_due), to_reply(none_due).model_dump_json()]
    for out in outputs:
        assert words in out
        assert "0 av 0" not in out and "0 of 0" not in out


@pytest.fixture
def year(session, org):
    build_dataset(session, org)
    add_avvik(session, org, unit="Oppvekst/Aurvoll skole", category="hms", risk=2, created=local(2025, 12, 10))
    session.commit()
    return build_summary(session=session, org_id=org.org_id, period="2026", now=NOW)


def test_year_summary_says_how_much_the_comparison_covers(year):
    assert year.avvik.previous.months_with_data == 1
    text = render_text(year)
    assert "mot året 2025 (data for bare 1 av 12 måneder)" in text
    with i18n.use_locale("en"):
        assert "from the year 2025 (data for only 1 of 12 months)" in render_text(year)


def test_year_summary_marks_the_month_in_progress(year, session, org):
    series = chart_series(year)
    assert series.labels[-1] == "des 26 (hittil)" and series.partial == 11
    assert "(hittil, per 05.12.2026)" in render_text(year).splitlines()[0]
    june = build_summary(session=session, org_id=org.org_id, period="2026", now=datetime(2026, 6, 10, 12, tzinfo=UTC))
    with i18n.use_locale("en"):
        labels = chart_series(june).labels
    assert labels[-1] == "Jun 26 (so far)" and len(labels) == 6  # no empty future months


def test_year_summary_heading_is_readable_and_explains_suppression(year):
    html, text = render_html(year), render_text(year)
    caption = "Sjekklister besvart per enhet: månedlige, tertialvise og årlige sjekklister i året 2026"
    assert caption in html and caption in text and "2026-T1" not in html
    explained = "«færre enn 5»: 1–4 avvik i en sensitiv kategori"
    assert explained in html and explained in text and "«skjult»: en annen celle" in text


def test_tertial_docx_in_nynorsk_has_nynorsk_headings(cli_nn_docx):
    import docx

    d = docx.Document(io.BytesIO(cli_nn_docx))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Tertialrapport 2. tertial 2026"
    assert {"Hovudtal", "Risikobiletet", "Internkontroll: sjekklister"} <= set(headings)
    assert not {"Hovedtall", "Risikobildet"} & set(headings)
    assert d.core_properties.language == "nn-NO"


@pytest.fixture
def cli_nn_docx(session, org, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from bot.cli import main
    from models.settings import get_settings
    from tests.reports.rapport_data import build_report_dataset

    build_report_dataset(session, org)
    monkeypatch.setenv("TRAD_ORG", "testkommune")
    get_settings.cache_clear()
    out = tmp_path / "t.docx"
    result = CliRunner().invoke(main, ["rapport", "tertial", "--period", "2026-T2", "--format", "docx", "-o", str(out),
                                       "--lang", "nn"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out.read_bytes()
