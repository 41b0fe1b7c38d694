"""A person fills in and sends the varsling form in headless Chromium; axe-core finds 0 violations on every anonymous page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.live import assert_accessible as _assert_accessible

pytestmark = pytest.mark.browser

@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    # bypass_csp only so the test can inject axe-core; the pages themselves run no script at all.
    ctx = browser.new_context(bypass_csp=True, java_script_enabled=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_person_sends_varsel_and_follows_up_all_pages_accessible(server, page, limiter_reset):  # type: ignore[no-untyped-def]
    cookies_seen: list[str] = []
    page.on("response", lambda r: cookies_seen.append(r.url) if "set-cookie" in r.headers else None)
    for path in ("/varsling/rutine", "/varsling/tilgjengelighet", "/varsling?lang=nn", "/varsling?lang=en"):
        page.goto(server.base + path)
        _assert_accessible(page, path)

    page.goto(server.base + "/varsling")
    _assert_accessible(page, "/varsling")
    # Send without filling anything: errors are listed, tied to their fields, and the page is still accessible.
    page.get_by_role("button", name="Send varsel").click()
    assert page.locator("#what").get_attribute("aria-invalid") == "true"
    assert "what-error" in (page.locator("#what").get_attribute("aria-describedby") or "")
    _assert_accessible(page, "/varsling with errors")

    page.get_by_label("Hva gjelder saken?").fill("Lederen ved Aurvoll skole fører ikke timelister riktig.")
    page.get_by_label("Hvor og når skjedde det?").fill("Aurvoll skole, høsten 2026")
    page.get_by_label("Hvilken enhet gjelder saken? (valgfritt)").select_option(label="Oppvekst/Aurvoll skole")
    page.get_by_role("button", name="Oppdater mottakere").click()
    # The conflict of interest is visible before sending.
    expect(page.get_by_text(re.compile("Lise Leder – tatt ut: leder enheten saken gjelder"))).to_be_visible()
    assert page.get_by_label("Vera Varsel").is_checked()
    page.get_by_label("Sven Solvang").uncheck()  # the reporter may deselect a recipient
    _assert_accessible(page, "/varsling after preview")
    page.get_by_role("button", name="Send varsel").click()

    expect(page.get_by_role("heading", name="Varselet er sendt")).to_be_visible()
    receipt = page.locator("#receipt").inner_text()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)
    _assert_accessible(page, "receipt page")

    page.get_by_role("link", name="Følg opp med kvittering").first.click()
    _assert_accessible(page, "/varsling/oppfolging")
    page.get_by_label("Kvitteringskode (16 sifre)").fill("1111 2222 3333 4444")
    page.get_by_role("button", name="Åpne saken").click()
    expect(page.get_by_text("Vi fant ingen sak med denne kvitteringskoden", exact=False).first).to_be_visible()
    _assert_accessible(page, "/varsling/oppfolging with a wrong code")
    page.get_by_label("Kvitteringskode (16 sifre)").fill(receipt)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # keyboard only
    expect(page.get_by_text("Mottatt", exact=True).first).to_be_visible()
    expect(page.get_by_text("Lederen ved Aurvoll skole", exact=False)).to_be_visible()
    _assert_accessible(page, "case page for the reporter")
    page.get_by_label("Svar mottakerne").fill("Jeg kan gi flere detaljer.")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_text("Svaret ditt er sendt.")).to_be_visible()
    _assert_accessible(page, "case page after reply")
    assert cookies_seen == []


def test_form_works_without_javascript(server, browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(server.base + "/varsling?lang=en")
    pg.get_by_label("What is the matter?").fill("No-JS report")
    pg.get_by_label("Where and when did it happen?").fill("Town hall")
    pg.get_by_role("button", name="Send report").click()
    expect(pg.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    ctx.close()
