"""Exact figures of the summaries on a hand-built dataset, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from models.services.oppdrag import traffic_light
from models.tables import Oppdrag
from reports import queries
from reports.queries import build_summary, checklist_keys
from reports.summary import HIDDEN, SUPPRESSED, Cell, Summary, counted, suppress_row
from reports.varsling import varsling_section
from tests.reports.dataset import AURVOLL, NOW, build_dataset


@pytest.fixture
def data(session, org):
    build_dataset(session, org)
    return org


def test_month_counts_boundaries_and_median(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    # 00:30 on 1 Nov local (23:30 UTC on 31 Oct) is November; 00:10 on 1 Dec local is not.
    assert (s.avvik.period.new, s.avvik.period.closed, s.avvik.period.open_at_end) == (5, 3, 4)
    assert s.avvik.period.median_days_to_close == 3.0
    assert s.period_label == "november 2026"


def test_trend_against_previous_month_across_dst(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    # October (DST ends 25 Oct): 23:30 on 31 Oct local is October, 00:30 on 1 Nov is not.
    prev = s.avvik.previous
    assert s.avvik.previous.period_key == "2026-10"
    assert (prev.new, prev.closed, prev.open_at_end, prev.median_days_to_close) == (2, 1, 2, 10.0)
    assert (s.avvik.change.new, s.avvik.change.closed, s.avvik.change.open_at_end) == (3, 2, 2)
    assert s.avvik.change.new_pct == 150.0


def test_march_dst_month(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-03", now=NOW)
    # 00:30 on 1 March (CET) and 23:30 on 31 March (CEST) are both March; 00:30 on 1 April is not.
    assert (s.avvik.period.new, s.avvik.period.closed) == (2, 1)
    assert s.avvik.period.median_days_to_close == 1.0
    nov = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    series = dict(zip(nov.avvik.per_month.months, [sum(v) for v in zip(*nov.avvik.per_month.sectors.values(), strict=True)], strict=True))
    assert series["2026-03"] == 2 and series["2026-04"] == 1 and series["2026-11"] == 5 and series["2026-10"] == 2
    assert nov.avvik.per_month.months[0] == "2025-12" and len(nov.avvik.per_month.months) == 12


def test_by_unit_sector_category_risk_status(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    units = {u.unit: (u.new, u.closed, u.open_at_end) for u in s.avvik.by_unit}
    assert units == {"Aurvoll skole": (2, 2, 1), "Solvang skole": (1, 0, 2), "Hjemmebaserte tjenester": (2, 1, 1)}
    sectors = {x.sector: (x.new, x.closed, x.open_at_end, x.median_days_to_close) for x in s.avvik.by_sector}
    assert sectors == {"Oppvekst": (3, 2, 3, 4.0), "Helse og omsorg": (2, 1, 1, 1.0)}
    assert {k: v for k, v in s.avvik.by_category.items() if v} == {"hms": 2, "vold": 1, "materiell": 1, "pasient": 1}
    assert s.avvik.by_risk == {"Lav": 2, "Middels": 1, "Høy": 1, "Kritisk": 1}
    assert s.avvik.by_status["meldt"] == 3 and s.avvik.by_status["lukket"] == 2


def test_small_sensitive_cells_are_suppressed(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    aurvoll = next(u for u in s.avvik.by_unit if u.unit == "Aurvoll skole")
    # one «vold og trusler» in a school: not shown, and the other cell is hidden so the total can't reveal it
    assert aurvoll.categories == {"vold": SUPPRESSED, "hms": HIDDEN}
    hjemme = next(u for u in s.avvik.by_unit if u.unit == "Hjemmebaserte tjenester")
    assert hjemme.categories == {"pasient": SUPPRESSED, "hms": HIDDEN}
    solvang = next(u for u in s.avvik.by_unit if u.unit == "Solvang skole")
    assert solvang.categories == {"materiell": counted(1)}
    # the suppressed value is not in the data at all: no number, a reason instead
    dumped = {u["unit"]: u for u in s.model_dump(mode="json")["avvik"]["by_unit"]}
    assert dumped["Aurvoll skole"]["categories"] == {
        "hms": {"count": None, "suppressed": "secondary"}, "vold": {"count": None, "suppressed": "fewer_than_5"}}
    vold = s.model_dump_json(include={"avvik": {"by_unit"}}).split('"vold":')[1]
    assert vold.startswith('{"count":null,"suppressed":"fewer_than_5"}')


def test_suppress_row_rules():
    n = counted
    assert suppress_row({"vold": 5, "hms": 1}) == {"vold": n(5), "hms": n(1)}
    assert suppress_row({"vold": 2, "pasient": 3, "hms": 9}) == {"vold": SUPPRESSED, "pasient": SUPPRESSED, "hms": n(9)}
    assert suppress_row({"vold": 0, "hms": 2}) == {"vold": n(0), "hms": n(2)}
    assert SUPPRESSED == Cell(count=None, suppressed="fewer_than_5") and HIDDEN.count is None
    assert (SUPPRESSED.shown(), HIDDEN.shown(), n(7).shown()) == ("færre enn 5", "skjult", "7")


def test_checklist_completion_month(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.internkontroll.checklist_keys == ["2026-11"]
    rows = {c.unit: (c.answered, c.due, c.completion_pct) for c in s.internkontroll.by_unit}
    # one active monthly item per unit with a leder; the retired item's answer does not count
    assert rows == {"Aurvoll skole": (1, 1, 100.0), "Solvang skole": (0, 1, 0.0), "Hjemmebaserte tjenester": (0, 1, 0.0)}
    assert (s.internkontroll.answered, s.internkontroll.due, s.internkontroll.completion_pct) == (1, 3, 33.3)


def test_checklist_completion_tertial_includes_its_months(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-T3", now=NOW.replace(year=2027, month=1))
    assert s.internkontroll.checklist_keys == ["2026-09", "2026-10", "2026-11", "2026-12", "2026-T3"]
    rows = {c.unit: (c.answered, c.due, c.nei) for c in s.internkontroll.by_unit}
    # due per unit: 4 months × 1 monthly item + 1 tertial × 2 items = 6; the T2 run is outside
    assert rows == {"Aurvoll skole": (3, 6, 1), "Solvang skole": (2, 6, 0), "Hjemmebaserte tjenester": (0, 6, 0)}
    assert s.internkontroll.completion_pct == 27.8
    assert s.avvik.period.new == 9  # September to the 00:10 avvik on 1 December


def test_checklist_keys_for_a_year():
    from models.periods import parse_period

    keys = checklist_keys(parse_period("2026"))
    assert len(keys) == 16 and keys[-4:] == ["2026-T1", "2026-T2", "2026-T3", "2026"]


def test_traffic_lights_match_the_domain_rule(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.oppdrag.by_light.model_dump() == {"gronn": 2, "gul": 2, "rod": 2, "ingen": 1}
    assert s.oppdrag.total == 7
    today = date(2026, 11, 30)
    python = {"gronn": 0, "gul": 0, "rod": 0, "ingen": 0}
    for o in session.exec(select(Oppdrag).where(Oppdrag.org_id == data.org_id)).all():
        python[traffic_light(o, today) or "ingen"] += 1
    assert python == s.oppdrag.by_light.model_dump()
    pol = next(c for c in s.oppdrag.by_category if c.category == "Politiske tilleggsbestillingar")
    assert pol.by_status == {"pagar": 3, "fullfort": 1, "avbrutt": 1}


def test_varsling_counts_suppressed_and_absent(session, data):
    seen = {}

    def fake(*, session, org_id, start, end):
        seen.update(org_id=org_id, start=start, end=end)
        return {"mottatt": 3, "avsluttet": 7, "apne": 0, "frist_oversittet": "færre enn 5"}

    sections = {**queries.SECTIONS, "varsling": varsling_section(fake)}
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW, sections=sections)
    assert s.varsling is not None
    assert (s.varsling.received, s.varsling.closed, s.varsling.open_at_end, s.varsling.overdue) == (
        SUPPRESSED, counted(7), SUPPRESSED, SUPPRESSED)
    assert seen == {"org_id": data.org_id, "start": date(2026, 11, 1), "end": date(2026, 12, 1)}
    assert json.loads(s.model_dump_json())["varsling"] == {
        "received": {"count": None, "suppressed": "fewer_than_5"}, "closed": {"count": 7, "suppressed": None},
        "open_at_end": {"count": None, "suppressed": "fewer_than_5"},
        "overdue": {"count": None, "suppressed": "fewer_than_5"}}

    def broken(**_kw):
        raise RuntimeError("varsling is down")

    sections = {**queries.SECTIONS, "varsling": varsling_section(broken)}
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW, sections=sections)
    assert s.varsling is None and s.avvik.period.new == 5  # the rest of the summary is still made
    without = {k: v for k, v in queries.SECTIONS.items() if k != "varsling"}
    assert build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW, sections=without).varsling is None


def test_real_varsling_counts(session, data):
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.varsling is not None  # no varsler in the test data: nothing said, not even «0»
    assert {s.varsling.received, s.varsling.closed, s.varsling.open_at_end, s.varsling.overdue} == {SUPPRESSED}


def test_sections_registry_names_summary_fields():
    assert list(queries.SECTIONS) == ["avvik", "internkontroll", "oppdrag", "varsling", "styringskort", "risiko"]
    assert set(queries.SECTIONS) <= set(Summary.model_fields)


def test_other_organisations_do_not_leak_in(session, data):
    from tests.factories import make_test_org
    from tests.reports.dataset import add_avvik, local

    other = make_test_org(session, slug="annen")
    add_avvik(session, other, unit=AURVOLL, category="hms", risk=2, created=local(2026, 11, 10))
    session.commit()
    s = build_summary(session=session, org_id=data.org_id, period="2026-11", now=NOW)
    assert s.avvik.period.new == 5
    assert sum(u.new for u in s.avvik.by_unit) == 5
