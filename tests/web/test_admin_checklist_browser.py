"""Headless Chromium on the checklist and kommune settings administration: axe-clean at 390 and 1280 px,
no sideways scroll, errors first, then a template saved and edited, and a logo uploaded."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web import test_browser
from tests.web.test_governance_browser import _check, _sign_in

pytestmark = pytest.mark.browser

live = test_browser.live  # the same live-server fixture (one server per module)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#036"/></svg>'


def test_admin_checklist_and_settings_pages_accessible(live, browser, tmp_path):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(bypass_csp=True)  # bypass only so axe-core can be injected
    page = ctx.new_page()
    _sign_in(page, live, "admin")
    page.get_by_role("link", name="Administrasjon").click()
    _check(page, "/admin")
    page.get_by_role("link", name="Sjekklister").click()
    _check(page, "/admin/sjekklister")
    page.get_by_role("link", name="Ny sjekkliste").click()
    _check(page, "/admin/sjekklister/ny")
    page.get_by_role("button", name="Lagre sjekklisten").click()
    expect(page.get_by_role("heading", name="Noe må rettes")).to_be_visible()
    _check(page, "/admin/sjekklister/ny with errors")
    page.get_by_label("Navn", exact=True).fill("HR-sjekkliste 2027")
    page.get_by_label("Sjekkpunkter").fill("HMS | Vernerunde | Er vernerunden gjennomført?")
    page.get_by_role("button", name="Lagre sjekklisten").click()
    expect(page.get_by_text("Sjekklisten er lagret")).to_be_visible()
    _check(page, "a template")
    page.get_by_role("button", name="Lagre endringene").click()
    _check(page, "a template saved again")
    page.goto(live.base + "/admin/innstillinger")
    _check(page, "/admin/innstillinger")
    logo = tmp_path / "logo.svg"
    logo.write_bytes(SVG)
    page.get_by_label("Ny logo").set_input_files(str(logo))
    page.get_by_role("button", name="Last opp logoen").click()
    expect(page.get_by_text("Logoen er lagret.")).to_be_visible()
    expect(page.locator("header img.kommune-logo")).to_be_visible()
    _check(page, "/admin/innstillinger with a logo")
    ctx.close()
