"""Headless Chromium: every staff page, the Teams tab and the varsling pages in nb, nn and en, at 390 px
and 1280 px: no horizontal scroll (the page is never wider than the phone) and axe-core finds nothing.

One browser, one context per audience, one page reused for every address (issue 12, «How to check it»).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.live import assert_accessible, free_port, serve_in_thread
from tests.web.conftest import CSRF, NONCE, make_db, settings_for, sign_in

pytestmark = pytest.mark.browser

LANGS = ("nb", "nn", "en")
WIDTHS = (390, 1280)
STAFF = ("/", "/avvik/ny", "/avvik/{avvik}", "/oppdrag", "/oppdrag/12", "/leder", "/leder?sorter=risiko", "/sjekkliste",
         "/styringskort", "/risiko", "/risiko/matrise", "/tilsyn", "/arshjul", "/kalender", "/admin/oppdrag")
ANONYMOUS = ("/logg-inn", "/varsling", "/varsling/oppfolging", "/varsling/tilgjengelighet", "/varsling/mottak")
TAB = ("/teams/fane",)
TEAMS = {"TEAMS_APP_ID": "6f0c2a2e-1d3b-4a5e-9c7d-2b1a0e9f8d7c", "TEAMS_APP_PASSWORD": "tab-test-Zk4pQw8Rt2Yv6Nb3Lm9Xc5",
         "TEAMS_TENANT_ID": "0b9d6a1c-3e2f-4d5a-8b7c-6e5f4a3b2c1d"}
LONG = ("Vikar ble stående alene med tolv elever i gymsalen under dobbeltimen, og brannalarmen ble utløst "
        "uten at noen visste hvor oppmøtestedet var")


OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)
  .concat([document.body.scrollWidth, document.body.getBoundingClientRect().width, document.fonts.status,
           [...document.querySelectorAll('body *')].filter(e => e.scrollWidth > e.clientWidth + 1).slice(0, 5)
             .map(e => `${e.tagName}.${e.className} sw=${e.scrollWidth} cw=${e.clientWidth}`)])"""


@dataclass
class Live:
    base: str
    cookie: str
    avvik: int


def _report(c: TestClient, web_org, description: str, p: str, k: str) -> int:  # type: ignore[no-untyped-def]
    form = c.get("/avvik/ny")
    r = c.post("/avvik/ny", data={
        "csrf": CSRF.search(form.text).group(1), "nonce": NONCE.search(form.text).group(1),  # type: ignore[union-attr]
        "category": "hms", "unit_id": str(web_org.units["Oppvekst/Aurvoll skole"]), "description": description,
        "occurred_at": "2026-11-20", "occurred_at_time": "10:15", "location": "Gymsalen", "probability": p,
        "consequence": k, "immediate_action": ""})
    assert r.status_code == 200, r.text
    return int(re.search(r'id="case-number">AV-(\d+)<', r.text).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def live(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from bot.main import create_app
    from models.db import get_engine, reset_engines
    from models.services import web_auth
    from tests.web.conftest import Web

    url, org = make_db(backend, request, tmp_path_factory)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(url, base=base, **TEAMS))
    web = Web(app=app, url=url, org=org, base=base)
    with TestClient(app, base_url=base) as c:  # some content first, with long words where a phone breaks
        sign_in(c, web, "ansatt")
        number = _report(c, org, LONG, "5", "5")
        _report(c, org, "Glatt gulv ved inngang B", "3", "3")
    with Session(get_engine(url)) as s:
        link = web_auth.issue_link(session=s, person_id=org.people["direktor"], public_base_url=base)
        cookie, _who = web_auth.redeem_link(session=s, token=parse_qs(urlparse(link).query)["t"][0])
        s.commit()
    try:
        with serve_in_thread(app, port):
            yield Live(base=base, cookie=cookie, avvik=number)
    finally:
        reset_engines()


def _check(page, url: str, where: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{where}: HTTP {response and response.status}"
    lang = parse_qs(urlparse(url).query).get("lang", ["nb"])[0]
    assert page.get_attribute("html", "lang") == lang, where
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{where} at {width} px scrolls sideways: {wide[0]} > {wide[1]}: " + str(
            page.evaluate(OVERFLOWING))
    assert_accessible(page, where)  # axe at the last width; the layout above is checked at both


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def test_every_page_in_every_language_fits_a_phone_and_is_accessible(live, browser):  # type: ignore[no-untyped-def]
    host = urlparse(live.base).hostname
    staff = browser.new_context(bypass_csp=True)  # bypass only so axe-core can be injected
    staff.add_cookies([{"name": "trad_web", "value": live.cookie, "domain": host, "path": "/"},
                       {"name": "trad_tab", "value": live.cookie, "domain": host, "path": "/teams/fane"}])
    page = staff.new_page()
    page.route("https://res.cdn.office.net/**", lambda route: route.abort())
    for lang in LANGS:
        for path in STAFF + TAB:
            url = live.base + _with_lang(path.format(avvik=live.avvik), lang)
            _check(page, url, f"{path} ({lang})")
    staff.close()
    anonymous = browser.new_context(bypass_csp=True)
    page = anonymous.new_page()
    for lang in LANGS:
        for path in ANONYMOUS:
            _check(page, live.base + _with_lang(path, lang), f"{path} ({lang})")
    anonymous.close()
