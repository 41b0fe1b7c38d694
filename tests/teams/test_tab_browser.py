"""Headless Chromium: the Teams tab's pages are accessible at phone and desktop widths, and
outside Teams (no SDK) the sign-in link is the way in. The SDK's CDN is blocked: no test talks
to the internet."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.live import assert_accessible, free_port, serve_in_thread
from tests.teams.fakes import APP_ID

pytestmark = pytest.mark.browser


@pytest.fixture
def live_tab(teams_env, db_url, org, monkeypatch):
    from bot.main import create_app
    from models.settings import get_settings

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for key, value in {"PUBLIC_BASE_URL": base, "TEAMS_SSO_APP_ID_URI": f"api://trad.test/{APP_ID}",
                       "SCHEDULER_ENABLED": "false", "OUTBOX_WORKER_ENABLED": "false",
                       "TRAD_ORG": "testkommune"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    with serve_in_thread(create_app(get_settings()), port):
        yield base


def test_tab_sign_in_and_mine_saker_are_accessible(live_tab, teams_env, org, browser):
    ctx = browser.new_context(bypass_csp=True)  # bypass only so axe-core can be injected
    page = ctx.new_page()
    page.route("https://res.cdn.office.net/**", lambda route: route.abort())
    page.goto(live_tab + "/teams/fane")
    expect(page.get_by_role("status")).to_contain_text("Bruk innloggingslenken")  # no Teams here
    expect(page.get_by_role("link", name="Logg inn med en lenke")).to_be_visible()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"/teams/fane sign-in at {width} px")
    token = teams_env.sso_token(email=org.emails["leder"])
    page.evaluate("(t) => { const f = document.getElementById('sso-form'); f.elements.sso.value = t; f.submit(); }",
                  token)
    expect(page.get_by_role("heading", name="Mine oppdrag")).to_be_visible()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"/teams/fane home at {width} px")
    page.get_by_role("link", name="Styringskort").first.click()  # opens inside the tab, not in a browser
    expect(page.get_by_role("heading", level=1)).to_contain_text("Styringskort")
    expect(page.get_by_label("Styringskort for")).to_be_visible()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"/teams/fane/styringskort at {width} px")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scroll"
    ctx.close()
