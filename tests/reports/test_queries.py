"""Exact figures of the summaries on a hand-built dataset, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models.services.oppdrag import traffic_light
from models.tables import Oppdrag
from reports import queries
from reports.queries import build_summary, checklist_keys
from reports.summary import HIDDEN, SUPPRESSED, suppress_row
from tests.reports.dataset import AURVOLL, NOW, build_dataset


@pytest.fixture
def data(session, org):
    build_dataset(session, org)
    return org


def test_month_counts_boundaries_and_median(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    # 00:30 on 1 Nov local (23:30 UTC on 31 Oct) is November; 00:10 on 1 Dec local is not.
    assert (s.totals.new, s.totals.closed, s.totals.open_at_end) == (5, 3, 4)
    assert s.totals.median_days_to_close == 3.0
    assert s.period_label == "november 2026"


def test_trend_against_previous_month_across_dst(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    # October (DST ends 25 Oct): 23:30 on 31 Oct local is October, 00:30 on 1 Nov is not.
    prev = s.trend.previous
    assert s.trend.previous_key == "2026-10"
    assert (prev.new, prev.closed, prev.open_at_end, prev.median_days_to_close) == (2, 1, 2, 10.0)
    assert (s.trend.new_change, s.trend.closed_change, s.trend.open_change) == (3, 2, 2)
    assert s.trend.new_change_pct == 150.0


def test_march_dst_month(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-03", now=NOW)
    # 00:30 on 1 March (CET) and 23:30 on 31 March (CEST) are both March; 00:30 on 1 April is not.
    assert (s.totals.new, s.totals.closed) == (2, 1)
    assert s.totals.median_days_to_close == 1.0
    nov = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    series = dict(zip(nov.series.months, [sum(v) for v in zip(*nov.series.sectors.values(), strict=True)], strict=True))
    assert series["2026-03"] == 2 and series["2026-04"] == 1 and series["2026-11"] == 5 and series["2026-10"] == 2
    assert nov.series.months[0] == "2025-12" and len(nov.series.months) == 12


def test_by_unit_sector_category_risk_status(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    units = {u.unit: (u.new, u.closed, u.open_at_end) for u in s.by_unit}
    assert units == {"Aurvoll skole": (2, 2, 1), "Solvang skole": (1, 0, 2), "Hjemmebaserte tjenester": (2, 1, 1)}
    sectors = {x.sector: (x.new, x.closed, x.open_at_end, x.median_days_to_close) for x in s.by_sector}
    assert sectors == {"Oppvekst": (3, 2, 3, 4.0), "Helse og omsorg": (2, 1, 1, 1.0)}
    assert {k: v for k, v in s.by_category.items() if v} == {"hms": 2, "vold": 1, "materiell": 1, "pasient": 1}
    assert s.by_risk == {"Lav": 2, "Middels": 1, "Høy": 1, "Kritisk": 1}
    assert s.by_status["meldt"] == 3 and s.by_status["lukket"] == 2


def test_small_sensitive_cells_are_suppressed(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    aurvoll = next(u for u in s.by_unit if u.unit == "Aurvoll skole")
    # one «vold og trusler» in a school: not shown, and the other cell is hidden so the total can't reveal it
    assert aurvoll.categories == {"vold": SUPPRESSED, "hms": HIDDEN}
    hjemme = next(u for u in s.by_unit if u.unit == "Hjemmebaserte tjenester")
    assert hjemme.categories == {"pasient": SUPPRESSED, "hms": HIDDEN}
    solvang = next(u for u in s.by_unit if u.unit == "Solvang skole")
    assert solvang.categories == {"materiell": 1}
    assert "1" not in s.model_dump_json(include={"by_unit"}).split('"vold":')[1][:5]


def test_suppress_row_rules():
    assert suppress_row({"vold": 5, "hms": 1}) == {"vold": 5, "hms": 1}
    assert suppress_row({"vold": 2, "pasient": 3, "hms": 9}) == {"vold": SUPPRESSED, "pasient": SUPPRESSED, "hms": 9}
    assert suppress_row({"vold": 0, "hms": 2}) == {"vold": 0, "hms": 2}


def test_checklist_completion_month(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.checklist_keys == ["2026-11"]
    rows = {c.unit: (c.answered, c.due, c.completion_pct) for c in s.checklists}
    # one active monthly item per unit with a leder; the retired item's answer does not count
    assert rows == {"Aurvoll skole": (1, 1, 100.0), "Solvang skole": (0, 1, 0.0), "Hjemmebaserte tjenester": (0, 1, 0.0)}
    assert (s.checklist_answered, s.checklist_due, s.checklist_completion_pct) == (1, 3, 33.3)


def test_checklist_completion_tertial_includes_its_months(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-T3", now=NOW.replace(year=2027, month=1))
    assert s.checklist_keys == ["2026-09", "2026-10", "2026-11", "2026-12", "2026-T3"]
    rows = {c.unit: (c.answered, c.due, c.nei) for c in s.checklists}
    # due per unit: 4 months × 1 monthly item + 1 tertial × 2 items = 6; the T2 run is outside
    assert rows == {"Aurvoll skole": (3, 6, 1), "Solvang skole": (2, 6, 0), "Hjemmebaserte tjenester": (0, 6, 0)}
    assert s.checklist_completion_pct == 27.8
    assert s.totals.new == 9  # September to the 00:10 avvik on 1 December


def test_checklist_keys_for_a_year():
    from models.periods import parse_period

    keys = checklist_keys(parse_period("2026"))
    assert len(keys) == 16 and keys[-4:] == ["2026-T1", "2026-T2", "2026-T3", "2026"]


def test_traffic_lights_match_the_domain_rule(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.oppdrag_lights == {"gronn": 2, "gul": 2, "rod": 2, "ingen": 1}
    assert s.oppdrag_total == 7
    today = date(2026, 11, 30)
    python = {"gronn": 0, "gul": 0, "rod": 0, "ingen": 0}
    for o in session.exec(select(Oppdrag).where(Oppdrag.org_id == data.org_id)).all():
        python[traffic_light(o, today) or "ingen"] += 1
    assert python == s.oppdrag_lights
    pol = next(c for c in s.oppdrag if c.category == "Politiske tilleggsbestillingar")
    assert pol.by_status == {"pagar": 3, "fullfort": 1, "avbrutt": 1}


def test_varsling_counts_suppressed_and_absent(session, data, monkeypatch):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    if queries._find_varsling_counts() is None:
        assert s.varsling is None
    seen = {}

    def fake(*, session, org_id, start, end):
        seen.update(org_id=org_id, start=start, end=end)
        return {"mottatt": 3, "avsluttet": 7, "under behandling": 0, "per kanal": {"skjema": "færre enn 5"}}

    monkeypatch.setattr(queries, "_find_varsling_counts", lambda: fake)
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.varsling == {"Mottatt": SUPPRESSED, "Avsluttet": "7", "under behandling": SUPPRESSED,
                          "per kanal – skjema": SUPPRESSED}
    assert seen == {"org_id": data.org_id, "start": date(2026, 11, 1), "end": date(2026, 12, 1)}


def test_real_varsling_counts_when_installed(session, data):
    if queries._find_varsling_counts() is None:
        pytest.skip("varsling feature not installed")
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.varsling and set(s.varsling.values()) == {SUPPRESSED}  # no varsler in the test data: nothing said


def test_other_organisations_do_not_leak_in(session, data):
    from tests.factories import make_test_org
    from tests.reports.dataset import add_avvik, local

    other = make_test_org(session, slug="annen")
    add_avvik(session, other, unit=AURVOLL, category="hms", risk=2, created=local(2026, 11, 10))
    session.commit()
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.totals.new == 5
    assert sum(u.new for u in s.by_unit) == 5
