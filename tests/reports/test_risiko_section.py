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
