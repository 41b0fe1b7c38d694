"""Headless Chromium on the oppdrag administration: every page axe-clean at 390 and 1280 px, no sideways scroll.

An admin makes a letter and an oppdrag through the forms (errors first), then opens the
edit, split and close forms.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web import test_browser
from tests.web.test_governance_browser import _check, _sign_in

pytestmark = pytest.mark.browser

live = test_browser.live  # the same live-server fixture (one server per module)


def test_admin_oppdrag_pages_accessible(live, browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(bypass_csp=True)  # bypass only so axe-core can be injected
    page = ctx.new_page()
    _sign_in(page, live, "admin")
    page.get_by_role("link", name="Oppdragsbrev").click()
    expect(page.get_by_role("heading", name="Oppdragsbrev", exact=True)).to_be_visible()
    _check(page, "/admin/oppdrag (empty)")
    page.get_by_role("link", name="Nytt oppdragsbrev").click()
    _check(page, "/admin/oppdrag/brev/ny")
    page.get_by_role("button", name="Lagre oppdragsbrevet").click()  # empty: messages on the fields
    expect(page.get_by_role("heading", name="Noe må rettes")).to_be_visible()
    _check(page, "/admin/oppdrag/brev/ny with errors")
    page.get_by_label("År", exact=True).fill("2027")
    page.get_by_label("Tittel", exact=True).fill("Kommunestyrets oppdragsbrev 2027")
    page.get_by_label("Gitt av", exact=True).select_option("kommunestyre")
    page.get_by_role("button", name="Lagre oppdragsbrevet").click()
    expect(page.get_by_text("Oppdragsbrevet er lagret.")).to_be_visible()
    _check(page, "letter page")
    page.get_by_role("link", name="Nytt oppdrag").click()
    page.get_by_role("button", name="Lagre oppdraget").click()
    expect(page.get_by_role("heading", name="Noe må rettes")).to_be_visible()
    _check(page, "new oppdrag with errors")
    page.get_by_label("Tittel", exact=True).fill("Felles skolebibliotek")
    page.get_by_label("Kategori", exact=True).select_option("Politiske tilleggsbestillingar")
    page.get_by_label("Eier", exact=True).select_option(str(live.org.people["kommunalsjef"]))  # type: ignore[attr-defined]
    page.get_by_label("Solvang skole").check()
    page.get_by_role("button", name="Lagre oppdraget").click()
    expect(page.get_by_text("Oppdraget er lagret")).to_be_visible()
    _check(page, "letter with an oppdrag")
    for name in ("Endre", "Del opp", "Lukk eller avbryt"):
        page.get_by_role("link", name=name).first.click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _check(page, name)
        page.go_back()
    ctx.close()
