"""The styringskort section of tertial and year summaries, in every format; `trad styringskort --format html`."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import click
import pytest
from click.testing import CliRunner

from models.services import plan as plan_svc
from models.services.plan_import import import_plan, import_values
from reports.queries import build_summary
from reports.render import render_csv, render_html, render_json, render_text, to_reply

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
PLAN = """perspective,goal,indicator,measure,direction,frequency,units,target,red_limit,rollup
Medarbeidere,Attraktiv arbeidsgiver > Høyt nærvær,Nærvær,%,høy,måned,alle,93,90,snitt
Økonomi,Sunn økonomi,Budsjettavvik,kr,lav,måned,Oppvekst/Aurvoll skole;Oppvekst/Solvang skole,0,100000,sum
Tjenestekvalitet,Gode tjenester,Brukertilfredshet,poeng,høy,tertial,alle,4.5,4,snitt
"""
VALUES = """indicator,unit,period,value,comment
Nærvær,Oppvekst/Aurvoll skole,2026-08,89,
Nærvær,Oppvekst/Solvang skole,2026-08,94,
Nærvær,Helse og omsorg/Hjemmebaserte tjenester,2026-08,92,
Nærvær,Helse og omsorg/Institusjonstjenester,2026-08,93,
Budsjettavvik,Oppvekst/Aurvoll skole,2026-08,150000,
Budsjettavvik,Oppvekst/Solvang skole,2026-08,0,
Brukertilfredshet,Oppvekst/Aurvoll skole,2026-T2,"4,6",
Brukertilfredshet,Oppvekst/Solvang skole,2026-T2,"3,9",
"""


@pytest.fixture
def planned(session, org):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    import_values(session=session, org_id=org.org_id, data=VALUES, now=NOW)
    goal = next(g for g in plan_svc.list_goals(session=session, org_id=org.org_id) if g.title == "Høyt nærvær")
    plan_svc.link_oppdrag_to_goal(session=session, actor_id=org.people["admin"], number=12,
                                  goal_id=goal.id)
    return org


def test_tertial_section_counts_reds_and_goals(session, planned):
    s = build_summary(session=session, org_id=planned.org_id, period="2026-T2", now=NOW)
    sk = s.styringskort
    assert sk is not None and sk.reason is None and sk.card_period == "2026-T2"
    counts = {p.perspective: (p.lights.gronn, p.lights.gul, p.lights.rod) for p in sk.perspectives or []}
    # The kommune card: Nærvær mean 92 (gul), Budsjettavvik sum 150 000 against 0 / 200 000 (gul),
    # Brukertilfredshet mean 4,25 (gul).
    assert counts == {"Tjenestekvalitet": (0, 1, 0), "Medarbeidere": (0, 1, 0), "Økonomi": (0, 1, 0)}
    assert [(r.indicator, r.unit, r.value) for r in sk.red or []] == [
        ("Brukertilfredshet", "Oppvekst/Solvang skole", 3.9),
        ("Nærvær", "Oppvekst/Aurvoll skole", 89.0),
        ("Budsjettavvik", "Oppvekst/Aurvoll skole", 150000.0)]
    budget = next(r for r in sk.red or [] if r.indicator == "Budsjettavvik")
    assert (budget.target, budget.red_limit, budget.period) == (0.0, 100000.0, "2026-08")  # per unit, not summed
    goal = next(g for g in sk.goals or [] if g.goal == "Høyt nærvær")
    assert goal.parent == "Attraktiv arbeidsgiver" and goal.perspective == "Medarbeidere"
    assert [(o.status, o.numbers) for o in goal.oppdrag] == [("ikke_startet", [12])]
    assert [(i.indicator, i.light, i.value) for i in goal.indicators] == [("Nærvær", "gul", 92.0)]


def test_every_format_shows_the_section(session, planned):
    s = build_summary(session=session, org_id=planned.org_id, period="2026-T2", now=NOW)
    data = json.loads(render_json(s))["styringskort"]
    assert data["reason"] is None and data["red"][1]["unit"] == "Oppvekst/Aurvoll skole"
    text = render_text(s)
    assert "Styringskort (2. tertial 2026)" in text and "🔴 Nærvær – Oppvekst/Aurvoll skole: 89 %" in text
    assert "Attraktiv arbeidsgiver > Høyt nærvær" in text and "Oppdrag Ikke startet: 12" in text
    html = render_html(s)
    assert "<h2>Styringskort</h2>" in html and "■ Budsjettavvik" in html and "150\u00a0000 kr" in html
    rows = list(csv.reader(io.StringIO(render_csv(s))))
    assert ["styringskort_rød", "Oppvekst/Solvang skole", "Brukertilfredshet", "3,9 poeng"] in rows
    assert ["styringskort_perspektiv", "Medarbeidere", "gul", "1"] in rows
    reply = to_reply(s)
    assert any(i.title == "Røde indikatorer" and len(i.facts) == 3 for i in reply.items)
    assert any(i.title == "Mål: Attraktiv arbeidsgiver > Høyt nærvær" for i in reply.items)


def test_slack_and_teams_cards_carry_the_section(session, planned):
    from bot.slack.summary import summary_blocks
    from bot.teams.summary import summary_card

    s = build_summary(session=session, org_id=planned.org_id, period="2026-T2", now=NOW)
    slack = json.dumps(summary_blocks(s), ensure_ascii=False)
    assert "*Styringskort* (2. tertial 2026)" in slack and "🔴 Nærvær – Oppvekst/Aurvoll skole: 89 %" in slack
    teams = json.dumps(summary_card(s), ensure_ascii=False)
    assert "Styringskort (2\\\\. tertial 2026)" in teams or "Styringskort (2. tertial 2026)" in teams
    assert "Budsjettavvik" in teams


def test_month_leaves_it_out_and_no_plan_says_why(session, org):
    month = build_summary(session=session, org_id=org.org_id, period="2026-11", now=NOW)
    assert month.styringskort is None and json.loads(render_json(month))["styringskort"] is None
    assert "Styringskort" not in render_text(month)
    year = build_summary(session=session, org_id=org.org_id, period="2025", now=NOW)
    assert year.styringskort is not None and year.styringskort.reason == "no_plan"
    assert year.styringskort.perspectives is None and year.styringskort.red is None
    assert "ingen plan med styringsindikatorer" in render_text(year)


def test_cli_html_is_a_printable_card(db_url, session, planned):
    from reports.plan_cli import register

    group = click.Group()
    register(group)
    r = CliRunner().invoke(group, ["styringskort", "--sector", "Oppvekst", "--period", "2026-08", "--format", "html",
                                   "--org", "testkommune"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    html = r.output
    assert html.startswith("<!doctype html>") and "@media print" in html and "<script" not in html
    assert "Styringskort – sektor Oppvekst" in html and "Indikatorer per enhet" in html
    assert "> rød</span>" in html and "89 %" in html and "Aurvoll skole" in html
    assert 'src="data:image/png;base64,' in html and 'alt="Linjediagram for Nærvær.' in html
    assert "Nærvær: verdier per periode" in html
