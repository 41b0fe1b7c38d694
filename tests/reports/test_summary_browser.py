"""The HTML summary in Chromium at phone and desktop width: wide tables scroll in their own region,
the page itself never scrolls sideways, and axe finds nothing (issue 12: «Avvik per enhet og kategori»)."""

from __future__ import annotations

import pytest

from models import i18n
from models.vocabulary import AVVIK_CATEGORIES
from reports.render import render_html
from reports.summary import counted
from tests.live import assert_accessible
from tests.reports.dataset import evil_summary

pytestmark = pytest.mark.browser


@pytest.fixture
def wide_summary(session, org):
    """Every unit with a count in every category: the widest «Avvik per enhet og kategori» there can be."""
    s = evil_summary(session, org)
    units = [u.model_copy(update={"categories": {c: counted(12345) for c in AVVIK_CATEGORIES}}) for u in s.avvik.by_unit]
    return s.model_copy(update={"avvik": s.avvik.model_copy(update={"by_unit": units})})


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", ["nb", "en"])
def test_summary_has_no_horizontal_scroll(wide_summary, browser, width, locale):
    with i18n.use_locale(locale):
        html = render_html(wide_summary)
        region = i18n.gettext("Avvik per enhet og kategori (nye i perioden)")
    ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.set_content(html)
        assert page.get_by_role("region", name=region).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{locale} {width}"
        assert_accessible(page, f"summary {locale} at {width} px")
    finally:
        ctx.close()
