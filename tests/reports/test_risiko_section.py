"""The risk section, ready for the summaries: the same picture the reports show, read as the register stands."""

from __future__ import annotations

from datetime import date

from models.periods import parse_period
from reports.context import make_context
from reports.politics.tertial import build_tertial_report
from reports.risiko import build_risiko
from tests.reports.dataset import NOW
from tests.reports.rapport_data import build_report_dataset


def test_section_builder_gives_the_reports_risk_picture(session, org):
    build_report_dataset(session, org)
    period = parse_period("2026-T2")
    section = build_risiko(make_context(session, org.org_id, period, "Europe/Oslo", NOW))
    report, _ = build_tertial_report(session=session, org_id=org.org_id, period=period, now=NOW)
    assert section == report.risk
    assert section.as_of == date(2026, 12, 5)  # the day it was read, not the end of the tertial
    assert section.before.matrix().count(4, 5) == 1 and section.after.matrix().after is True
    assert sum(sum(row) for row in section.before.cells) == section.before.total == 2


def test_tertial_and_year_summaries_carry_the_matrix_in_every_format(session, org):
    import csv
    import io
    import json

    from reports import queries
    from reports.queries import build_summary
    from reports.render import render_csv, render_html, render_json, render_text, to_reply

    assert "risiko" in queries.SECTIONS
    build_report_dataset(session, org)
    s = build_summary(session=session, org_id=org.org_id, period="2026-T2", now=NOW)
    assert s.risiko is not None and s.risiko.before.total == 2
    assert json.loads(render_json(s))["risiko"]["before"]["cells"][3][4] == 1  # sannsynlighet 4, konsekvens 5
    text = render_text(s)
    assert "Risikobildet per 05.12.2026" in text and "Før tiltak: Lav 0 · Middels 1 · Høy 0 · Kritisk 1" in text
    assert "RO-1 (Aurvoll skole): 20 Kritisk → 10 etter tiltak · Redusere" in text
    assert "Fall i trapp" not in text  # a summary carries no text people wrote
    html = render_html(s)
    assert '<td class="n band-kritisk">1 <small>Kritisk</small></td>' in html  # count and word, never colour alone
    assert "Fall i trapp" not in html and "<b>" not in html.split("<body", 1)[1].split("Risikobildet", 1)[1]
    rows = list(csv.reader(io.StringIO(render_csv(s))))
    assert ["risiko_matrise", "før", "S4K5", "1"] in rows and ["risiko_matrise", "etter", "S2K5", "1"] in rows
    reply = to_reply(s)
    assert any(i.title == "Risikobildet per 05.12.2026" and any(f.value.startswith("0 · 0 · 0 · 0 · 1")
                                                              or "1 kritisk" in f.value for f in i.facts)
               for i in reply.items)
    from models.i18n import use_locale

    with use_locale("en"):
        assert "Before actions: Low 0 · Medium 1 · High 0 · Critical 1" in render_text(s)
    with use_locale("nn"):
        assert "Risikobiletet per 05.12.2026" in render_text(s)
    year = build_summary(session=session, org_id=org.org_id, period="2026", now=NOW)
    assert year.risiko == s.risiko
    month = build_summary(session=session, org_id=org.org_id, period="2026-11", now=NOW)
    assert month.risiko is None and "Risikobildet" not in render_text(month)


def test_slack_and_teams_cards_carry_the_matrix(session, org):
    import json

    from bot.slack.summary import summary_blocks
    from bot.teams.summary import summary_card
    from reports.queries import build_summary

    build_report_dataset(session, org)
    s = build_summary(session=session, org_id=org.org_id, period="2026-T2", now=NOW)
    slack = json.dumps(summary_blocks(s), ensure_ascii=False)
    assert "*Risikobildet per 05.12.2026*" in slack and "S4: 0 · 0 · 0 · 0 · 1 kritisk" in slack
    assert "RO-1 (Aurvoll skole): 20 Kritisk → 10 etter tiltak" in slack
    teams = json.dumps(summary_card(s), ensure_ascii=False)
    assert "Risikobildet per 05.12.2026" in teams and "1 kritisk" in teams
