"""Headless Chromium: the styringskort pages at 390 px and 1280 px, axe-clean, with no horizontal scroll
(the matrix scrolls inside its own region)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.live import assert_accessible, free_port, serve_in_thread
from tests.web.conftest import make_db, settings_for
from tests.web.test_browser import Live, _sign_in
from tests.web.test_styringskort_pages import NOW, PLAN, VALUES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from bot.main import create_app
    from models.db import get_engine, reset_engines
    from models.services.plan_import import import_plan, import_values

    url, org = make_db(backend, request, tmp_path_factory)
    with Session(get_engine(url)) as s:
        import_plan(session=s, org_id=org.org_id, data=PLAN, year=2026)
        import_values(session=s, org_id=org.org_id, data=VALUES, now=NOW)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(url, base=base))
    try:
        with serve_in_thread(app, port):
            yield Live(base=base, url=url, org=org)
    finally:
        reset_engines()


def _no_horizontal_scroll(page, where: str) -> None:  # type: ignore[no-untyped-def]
    wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert not wide, f"{where}: the page scrolls sideways"


@pytest.mark.parametrize("width", [390, 1280])
def test_styringskort_pages_accessible_at_both_widths(live, browser, width):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    page = ctx.new_page()
    _sign_in(page, live, "direktor")
    page.get_by_role("link", name="Styringskort").click()
    page.get_by_label("Periode").select_option("2026-11")
    page.get_by_role("button", name="Vis").click()
    expect(page.get_by_role("heading", name="Styringskort – kommune Testkommune")).to_be_visible()
    expect(page.get_by_role("region", name="Indikatorer per enhet")).to_be_visible()
    assert_accessible(page, f"/styringskort kommune at {width}px")
    _no_horizontal_scroll(page, f"/styringskort kommune at {width}px")

    page.get_by_role("link", name="Oppvekst", exact=True).click()
    expect(page.get_by_role("heading", name="Styringskort – sektor Oppvekst")).to_be_visible()
    assert_accessible(page, f"/styringskort sector at {width}px")
    _no_horizontal_scroll(page, f"/styringskort sector at {width}px")

    page.get_by_role("link", name="Nærvær").first.click()
    expect(page.get_by_role("heading", name="Nærvær")).to_be_visible()
    expect(page.get_by_role("img", name="Linjediagram for Nærvær")).to_be_visible()
    page.wait_for_function("() => { const i = document.querySelector('img.sk-chart'); "
                           "return i.complete && i.naturalWidth > 0; }")  # the PNG loaded
    assert_accessible(page, f"/styringskort/indikator at {width}px")
    _no_horizontal_scroll(page, f"/styringskort/indikator at {width}px")
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Tilbake til styringskortet")).to_be_hidden()
    ctx.close()
