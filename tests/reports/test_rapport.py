"""The politicians' reports: figures identical to the summaries, hand-checked additions, and the rules they state."""

from __future__ import annotations

import pytest

from models.periods import Period, parse_period
from models.services.styringskort import resolve_scope, styringskort
from reports.politics.internkontroll import build_internkontroll_report
from reports.politics.tertial import NO_GOALS, build_tertial_report
from reports.queries import build_summary
from reports.summary import RISK_BANDS
from tests.reports.dataset import NOW
from tests.reports.rapport_data import build_report_dataset


@pytest.fixture
def data(session, org):
    build_report_dataset(session, org)
    return org


def _summary_json(session, org_id, period):
    return build_summary(session=session, org_id=org_id, period=period, now=NOW).model_dump(mode="json")


@pytest.mark.parametrize("key", ["2026-T2", "2026-T3"])
def test_tertial_figures_are_the_summarys(session, data, key):
    report, _ = build_tertial_report(session=session, org_id=data.org_id, period=parse_period(key), now=NOW)
    got, want = report.model_dump(mode="json"), _summary_json(session, data.org_id, key)
    assert got["avvik"] == want["avvik"]
    assert got["oppdrag"] == want["oppdrag"]
    assert got["checklists"] == want["internkontroll"]
    assert got["as_of"] == want["as_of"] and got["period_label"] == want["period_label"]
    p = parse_period(key)
    last_year = _summary_json(session, data.org_id, Period("tertial", p.year - 1, p.index))["avvik"]["period"]
    same = got["avvik_same_period_last_year"]
    assert {k: same[k] for k in last_year} == last_year
    assert same["change"]["new"] == got["avvik"]["period"]["new"] - last_year["new"]


def test_internkontroll_figures_are_the_summarys(session, data):
    report, _ = build_internkontroll_report(session=session, org_id=data.org_id, year=2026, now=NOW)
    got, want = report.model_dump(mode="json"), _summary_json(session, data.org_id, "2026")
    for mine, theirs in (("avvik", "avvik"), ("checklists", "internkontroll"), ("varsling", "varsling")):
        assert got[mine] == want[theirs]
    a = want["avvik"]
    # area × severity adds up to the summary's per-category and per-band figures
    for row in got["avvik_by_area"]:
        assert row["total"] == a["by_category"][row["category"]] == sum(row["by_severity"].values())
    for band in RISK_BANDS:
        assert sum(r["by_severity"][band] for r in got["avvik_by_area"]) == a["by_risk"][band]
    # per sector adds up to the kommune's checklist totals
    assert sum(s["due"] for s in got["checklists_by_sector"]) == want["internkontroll"]["due"]
    assert sum(s["answered"] for s in got["checklists_by_sector"]) == want["internkontroll"]["answered"]
    assert got["closed_within_deadline"]["closed"] == a["period"]["closed"] == got["improvements"]["avvik_closed"]
    # the varsling cells are suppressed exactly as in the summary: null with the reason, never a number
    assert got["varsling"]["received"] == {"count": None, "suppressed": "fewer_than_5"}


def test_share_closed_within_the_deadline_by_the_stated_rule(session, data):
    report, _ = build_internkontroll_report(session=session, org_id=data.org_id, year=2026, now=NOW)
    share = report.closed_within_deadline
    assert (share.closed, share.within, share.with_tiltak, share.share_pct) == (11, 9, 2, 81.8)
    assert "seneste fristen blant avvikets tiltak" in share.rule and "30 dager" in share.rule


def test_risk_tilsyn_and_improvements(session, data):
    report, _ = build_internkontroll_report(session=session, org_id=data.org_id, year=2026, now=NOW)
    risk = report.risk
    assert risk.before.total == 2 and risk.before.cells[3][4] == 1 and risk.before.cells[2][2] == 1  # closed left out
    assert risk.after.cells[1][4] == 1 and risk.before.by_severity == {"Lav": 0, "Middels": 1, "Høy": 0, "Kritisk": 1}
    top = risk.top[0]
    assert (top.title, top.score_before, top.score_after, top.treatment) == ("Fall i trapp <b>", 20, 10, "Redusere")
    assert [(x.description, x.done) for x in top.tiltak] == [("Sikre trappa", True)]
    assert [t.authority for t in report.tilsyn.tilsyn] == ["Arbeidstilsynet", "Statsforvalteren"]
    assert report.tilsyn.findings_by_kind == {"avvik": 0, "merknad": 1, "palegg": 1}
    assert report.tilsyn.findings_by_status == {"apen": 1, "under_arbeid": 0, "lukket": 1}
    assert report.tilsyn.overdue == 1  # the pålegg, due 1 August, still open
    imp = report.improvements
    assert (imp.avvik_with_effect_evaluation, imp.avvik_tiltak_done) == (1, 1)
    assert [(t.risk_ref, t.description, t.done_on.isoformat()) for t in imp.risk_tiltak_done] == [
        (top.ref, "Sikre trappa", "2026-09-10")]
    assert [(f.authority, f.kind_label, f.closed_on.isoformat()) for f in imp.findings_closed] == [
        ("Arbeidstilsynet", "Merknad", "2026-09-01")]
    assert "Ny rutine virker" not in report.model_dump_json()  # no avvik text in a report


def test_tertial_lists_the_tilsyn_of_its_period_and_says_why_there_is_no_card(session, data):
    t2, _ = build_tertial_report(session=session, org_id=data.org_id, period=parse_period("2026-T2"), now=NOW)
    assert [t.theme for t in t2.tilsyn.tilsyn] == ["Arbeidsmiljø"]
    assert t2.styringskort is None and t2.omitted == {"styringskort": NO_GOALS}
    t3, _ = build_tertial_report(session=session, org_id=data.org_id, period=parse_period("2026-T3"), now=NOW)
    assert [t.theme for t in t3.tilsyn.tilsyn] == ["Skolemiljø"]


def test_tertial_styringskort_is_the_kommunes_card(session, data):
    from models.demo_plan import seed_demo_plan
    from models.services import org as org_svc

    org_svc.ensure_unit_path(session, org_id=data.org_id, path="Oppvekst/Øyer ungdomsskole")
    session.commit()
    seed_demo_plan(session, data.org_id, now=NOW)
    period = parse_period("2026-T2")
    report, _ = build_tertial_report(session=session, org_id=data.org_id, period=period, now=NOW)
    card = styringskort(session=session, org_id=data.org_id, period=period,
                        scope=resolve_scope(session, org_id=data.org_id, kommune=True))
    assert report.styringskort is not None and "styringskort" not in report.omitted
    counts = {p.perspective: {"grønn": p.gronn, "gul": p.gul, "rød": p.rod, "ingen": p.ingen}
              for p in report.styringskort.perspectives}
    assert counts == {p: {str(k): n for k, n in c.items()} for p, c in card.counts().items()}
    assert [r.name for r in report.styringskort.red] == [r.name for r in card.rows if r.light == "rød"]
