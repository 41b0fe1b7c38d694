"""Both reports' HTML in headless Chromium at phone and desktop width: axe-core finds nothing, nothing spills over."""

from __future__ import annotations

import pytest

from models.periods import parse_period
from reports.politics.html import render_document_html
from reports.politics.internkontroll import build_internkontroll_report
from reports.politics.outline import internkontroll_document, tertial_document
from reports.politics.tertial import build_tertial_report
from tests.live import assert_accessible
from tests.reports.dataset import NOW
from tests.reports.rapport_data import build_report_dataset

pytestmark = pytest.mark.browser


@pytest.fixture
def pages(session, org):
    build_report_dataset(session, org)
    t2, s2 = build_tertial_report(session=session, org_id=org.org_id, period=parse_period("2026-T2"), now=NOW)
    ik, sy = build_internkontroll_report(session=session, org_id=org.org_id, year=2026, now=NOW)
    return {"tertial": render_document_html(tertial_document(t2, s2)),
            "internkontroll": render_document_html(internkontroll_document(ik, sy))}


@pytest.mark.parametrize("width", [390, 1280])
def test_reports_are_accessible_at_both_widths(pages, browser, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        for name, html in pages.items():
            page.set_content(html)
            assert page.get_by_role("heading", level=1).count() == 1
            assert_accessible(page, f"{name} at {width} px")
            # wide tables scroll inside their own focusable region; the page itself never scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
            assert page.get_by_role("region", name="De høyeste risikoene med tiltak").count() == 1
    finally:
        ctx.close()


def test_the_tertial_summary_with_its_risk_matrix_is_accessible(session, org, browser):
    """The summary's HTML (risk matrix: count and band word per cell) passes axe at desktop width."""
    from reports.queries import build_summary
    from reports.render import render_html

    build_report_dataset(session, org)
    html = render_html(build_summary(session=session, org_id=org.org_id, period="2026-T2", now=NOW))
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.set_content(html)
        assert page.get_by_role("table", name="Aktive risikoer per sannsynlighet (rader) og konsekvens (kolonner), "
                                              "før tiltak").count() == 1
        assert_accessible(page, "tertial summary")
    finally:
        ctx.close()
