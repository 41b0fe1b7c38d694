"""Headless Chromium on the people and unit administration: axe-clean at 390 and 1280 px, no sideways scroll,
errors first, then a leader added, a role given, the person deactivated, and a unit added and renamed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web import test_browser
from tests.web.test_governance_browser import _check, _sign_in

pytestmark = pytest.mark.browser

live = test_browser.live  # the same live-server fixture (one server per module)


def test_admin_people_and_unit_pages_accessible(live, browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(bypass_csp=True)  # bypass only so axe-core can be injected
    page = ctx.new_page()
    _sign_in(page, live, "admin")
    page.get_by_role("link", name="Administrasjon").click()
    page.get_by_role("link", name="Personer og enheter").click()
    _check(page, "/admin/personer")
    page.get_by_label("Navn eller e-post").fill("kari")
    page.get_by_role("button", name="Søk", exact=True).click()
    expect(page.get_by_role("link", name="Kari Ansatt")).to_be_visible()
    _check(page, "/admin/personer?q=kari")
    page.get_by_role("link", name="Ny person").click()
    _check(page, "/admin/personer/ny")
    page.get_by_role("button", name="Legg til personen").click()
    expect(page.get_by_role("heading", name="Noe må rettes")).to_be_visible()
    _check(page, "/admin/personer/ny with errors")
    page.get_by_label("Navn", exact=True).fill("Nina Nyleiar med eit svært langt namn som må brytast på smal skjerm")
    page.get_by_label("E-post").fill("nina.nyleiar.med.ei.lang.adresse@testkommune.no")
    page.get_by_label("Enhet", exact=True).select_option(label="Oppvekst/Solvang skole")
    page.get_by_label("Rolle i enheten (valgfritt)").select_option("leder")
    page.get_by_role("button", name="Legg til personen").click()
    expect(page.get_by_text("Personen er lagt til.")).to_be_visible()
    _check(page, "a new leader")
    page.get_by_label("Rolle", exact=True).select_option("varslingsmottaker")
    page.get_by_role("button", name="Gi rollen").click()
    expect(page.get_by_text("Rollen er gitt.")).to_be_visible()
    _check(page, "a role given")
    page.get_by_role("button", name="Deaktiver personen").click()
    expect(page.get_by_text("Personen er deaktivert. Historikken er beholdt.")).to_be_visible()
    _check(page, "a person deactivated")
    page.goto(live.base + "/admin/enheter")
    _check(page, "/admin/enheter")
    page.get_by_role("link", name="Ny enhet").click()
    page.get_by_label("Navn", exact=True).fill("Kulturskulen")
    page.get_by_label("Ligger under").select_option(label="Oppvekst")
    page.get_by_role("button", name="Legg til enheten").click()
    expect(page.get_by_text("Enheten er lagt til.")).to_be_visible()
    _check(page, "a new unit")
    page.get_by_label("Navn", exact=True).fill("A/B")
    page.get_by_role("button", name="Lagre enheten").click()
    expect(page.get_by_role("heading", name="Noe må rettes")).to_be_visible()
    _check(page, "a unit with errors")
    ctx.close()
