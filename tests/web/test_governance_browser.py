"""Headless Chromium on the ROS register, risk matrix, tilsyn, årshjul and calendar pages.

Every page, at 390 px and at 1280 px wide, must have 0 axe-core violations (WCAG 2.1 AA) and
no horizontal scroll. A leader registers a risk through the form (errors first), then the
pages are visited with data on them.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.live import assert_accessible
from tests.web import test_browser
from tests.web.test_browser import Live

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)
live = test_browser.live  # the same live-server fixture (one server per module)


def _sign_in(page, live: Live, key: str) -> None:  # type: ignore[no-untyped-def]
    from models.db import get_engine
    from models.services import web_auth

    with Session(get_engine(live.url)) as s:
        link = web_auth.issue_link(session=s, person_id=live.org.people[key], public_base_url=live.base)  # type: ignore[attr-defined]
    page.goto(link)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Mine saker")).to_be_visible()


def _check(page, where: str) -> None:  # type: ignore[no-untyped-def]
    """The page as it is now, at each width: axe-clean and no sideways scrolling."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"{where} at {width} px")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{where} scrolls sideways by {overflow} px at {width} px"


def _visit(page, live: Live, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live.base + path)
    _check(page, path)


def _seed(live: Live) -> tuple[int, int]:
    """A tilsyn with a finding and an årshjul activity, through the use cases."""
    from models.db import get_engine
    from models.services import arshjul, tilsyn

    people, units = live.org.people, live.org.units  # type: ignore[attr-defined]
    with Session(get_engine(live.url), expire_on_commit=False) as s:
        t = tilsyn.register_tilsyn(session=s, actor_id=people["leder"], data=tilsyn.TilsynInput(
            authority="arbeidstilsynet", held_on=date(2026, 10, 1), theme="Psykososialt arbeidsmiljø",
            unit_id=units["Oppvekst/Aurvoll skole"]), findings=[tilsyn.FindingInput(
                kind="palegg", description="Risikovurdering mangler", deadline=date(2026, 11, 1), tiltak="Lage den")])
        a = arshjul.add_activity(session=s, actor_id=people["admin"], data=arshjul.ActivityInput(
            title="Tertialrapport 2", on_date=date.today() + timedelta(days=20), responsible_role="leder",
            kind="tertialrapport", description="Frist til økonomiavdelingen"))
        return t.id, a.id  # type: ignore[return-value]


def test_governance_pages_accessible_at_both_widths(live, browser):  # type: ignore[no-untyped-def]
    tilsyn_id, activity_id = _seed(live)
    ctx = browser.new_context(bypass_csp=True)  # bypass only so axe-core can be injected
    page = ctx.new_page()
    _sign_in(page, live, "leder")
    page.get_by_role("link", name="Risikoregister").click()
    expect(page.get_by_role("heading", name="Risikoregister (ROS)")).to_be_visible()
    _check(page, "/risiko (empty)")
    page.get_by_role("link", name="Ny risiko").click()
    _check(page, "/risiko/ny")
    page.get_by_label("Overskrift").fill("Vikar alene med klassen")
    page.get_by_role("button", name="Lagre risikoen").click()  # most fields empty: a message on each
    expect(page.get_by_role("heading", name="Noe må rettes")).to_be_visible()
    assert page.locator("#description").get_attribute("aria-invalid") == "true"
    _check(page, "/risiko/ny with errors")
    page.get_by_label("Hva kan gå galt?").fill("Vikarer uten opplæring blir alene med elever")
    page.get_by_label("Sannsynlighet før tiltak (1–5)").select_option("4")
    page.get_by_label("Konsekvens før tiltak (1–5)").select_option("5")
    page.get_by_label("Sannsynlighet etter tiltak (1–5)").select_option("2")
    page.get_by_label("Konsekvens etter tiltak (1–5)").select_option("3")
    page.get_by_label("Behandling").select_option("reduce")
    page.get_by_label("Neste gjennomgang").fill((date.today() + timedelta(days=100)).isoformat())
    page.get_by_role("button", name="Lagre risikoen").click()
    expect(page.get_by_text("Risikoen er lagret.")).to_be_visible()
    expect(page.locator("#risk-before")).to_contain_text("20 Kritisk")
    _check(page, "risk page")
    rid = urlparse(page.url).path.rsplit("/", 1)[-1]
    for sub in ("gjennomga", "endre", "tiltak", "avvik", "lukk"):
        _visit(page, live, f"/risiko/{rid}/{sub}")
    for path in ("/risiko", "/risiko/matrise", "/risiko/matrise?etter=1", "/tilsyn", "/tilsyn/ny",
                 f"/tilsyn/{tilsyn_id}/funn", "/arshjul", "/kalender"):
        _visit(page, live, path)
    page.goto(live.base + "/tilsyn/ny")
    page.get_by_role("button", name="Registrer tilsynet").click()
    expect(page.get_by_role("heading", name="Noe må rettes")).to_be_visible()
    _check(page, "/tilsyn/ny with errors")
    page.goto(live.base + "/tilsyn")
    page.get_by_role("link", name="Oppdater funnet: Risikovurdering mangler").click()
    _check(page, "finding update")
    page.goto(live.base + "/kalender")
    page.get_by_role("button", name="Lag kalenderlenke").click()
    expect(page.locator("#feed-url")).to_contain_text("/kalender/")
    _check(page, "/kalender with a new link")
    ctx.close()

    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    _sign_in(page, live, "admin")
    for path in ("/arshjul", "/arshjul/ny", f"/arshjul/{activity_id}/endre", "/risiko/matrise"):
        _visit(page, live, path)
    page.goto(live.base + "/risiko/matrise")
    img = page.get_by_role("img")
    assert (img.get_attribute("alt") or "").startswith("Risikomatrise før tiltak med 1 risikoer.")
    assert page.evaluate("document.querySelector('img.chart').naturalWidth") > 0  # the chart loaded
    ctx.close()
