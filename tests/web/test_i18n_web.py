"""The staff web in bokmål, nynorsk and English, and the defects a new user met on the web (issue 12).

The language: `?lang=` (remembered in a cookie on staff pages, never on the anonymous varsling
pages), else the signed-in person's locale, else Accept-Language, else the kommune's default.
"""

from __future__ import annotations

import re
import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from models.tables import Person
from tests.web.conftest import CSRF, NONCE, settings_for, sign_in


@pytest.fixture
def client(web):  # type: ignore[no-untyped-def]
    with TestClient(web.app) as c:  # type: ignore[arg-type]
        yield c


def _html_lang(text: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', text).group(1)  # type: ignore[union-attr]


def _set_locale(web, key: str, locale: str | None) -> None:  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        person = s.get(Person, web.org.people[key])
        assert person is not None
        person.locale = locale
        s.add(person)
        s.commit()


def test_lang_in_the_address_switches_the_page_and_is_remembered(web, client):  # type: ignore[no-untyped-def]
    sign_in(client, web, "leder")
    r = client.get("/leder?lang=nn")
    assert r.status_code == 200 and _html_lang(r.text) == "nn"
    assert "<h1>Leiarvisning</h1>" in r.text
    assert "trad_lang=nn" in r.headers["set-cookie"] and "httponly" in r.headers["set-cookie"].lower()
    again = client.get("/leder")  # no ?lang=: the cookie remembers nynorsk
    assert _html_lang(again.text) == "nn" and "Leiarvisning" in again.text
    english = client.get("/?lang=en")
    assert _html_lang(english.text) == "en" and "<h1>My cases</h1>" in english.text
    client.get("/?lang=nb")
    assert "<h1>Mine saker</h1>" in client.get("/").text


def test_the_switcher_links_to_the_same_page_in_each_language(web, client):  # type: ignore[no-untyped-def]
    sign_in(client, web, "leder")
    page = client.get("/leder?sorter=risiko").text
    nav = re.search(r'<nav aria-label="Språk" class="langs">(.*?)</nav>', page, re.S).group(1)  # type: ignore[union-attr]
    assert 'href="/leder?sorter=risiko&amp;lang=nn"' in nav and 'href="/leder?sorter=risiko&amp;lang=en"' in nav
    assert 'lang="nb" hreflang="nb" aria-current="true"' in nav


def test_the_persons_locale_then_the_browser_then_the_kommune_default(web, client):  # type: ignore[no-untyped-def]
    sign_in(client, web, "ansatt")
    _set_locale(web, "ansatt", "en")
    try:
        r = client.get("/", headers={"accept-language": "nn-NO,nn;q=0.9"})
        assert _html_lang(r.text) == "en" and "My open deviations" in r.text  # the person beats the browser
        _set_locale(web, "ansatt", None)
        r = client.get("/", headers={"accept-language": "nn-NO,nn;q=0.9,en;q=0.5"})
        assert _html_lang(r.text) == "nn" and "Dei opne avvika mine" in r.text
    finally:
        _set_locale(web, "ansatt", None)
    with TestClient(web.app) as anon:  # type: ignore[arg-type]
        assert _html_lang(anon.get("/logg-inn").text) == "nb"  # no hint at all: this kommune's default (nb)
        assert "Sign in to Tråd" in anon.get("/logg-inn", headers={"accept-language": "en-GB"}).text


def test_the_kommune_default_locale_applies_when_nothing_else_says(web):  # type: ignore[no-untyped-def]
    from bot.main import create_app

    app = create_app(settings_for(web.url, DEFAULT_LOCALE="nn"))
    with TestClient(app) as c:
        r = c.get("/logg-inn")
        assert _html_lang(r.text) == "nn" and "Skriv e-postadressa du brukar på jobb." in r.text


def test_anonymous_varsling_pages_follow_lang_but_set_and_read_no_cookie(web, client):  # type: ignore[no-untyped-def]
    r = client.get("/varsling?lang=en")
    assert r.status_code == 200 and _html_lang(r.text) == "en"
    assert "Report censurable conditions" in r.text and "set-cookie" not in r.headers
    assert 'action="/varsling?lang=en"' in r.text  # the language follows the form without a cookie
    client.cookies.set("trad_lang", "nn")
    plain = client.get("/varsling")
    assert _html_lang(plain.text) == "nb" and "Varsle om kritikkverdige forhold" in plain.text
    nynorsk = client.get("/varsling/oppfolging?lang=nn")
    assert _html_lang(nynorsk.text) == "nn" and "set-cookie" not in nynorsk.headers


def test_the_language_reaches_sync_routes_run_in_the_threadpool() -> None:
    from forms.locale import LocaleMiddleware
    from models.i18n import current_locale, gettext

    app = FastAPI()
    app.add_middleware(LocaleMiddleware, default_locale="nb", secure=False)
    seen: dict[str, object] = {}

    @app.get("/sync")
    def sync_route() -> dict[str, str]:
        seen["thread"] = threading.current_thread() is not threading.main_thread()
        return {"locale": current_locale(), "text": gettext("Mine saker")}

    with TestClient(app) as c:
        assert c.get("/sync?lang=en").json() == {"locale": "en", "text": "My cases"}
        assert c.get("/sync").json()["locale"] == "en"  # remembered in the cookie
        c.cookies.clear()
        assert c.get("/sync", headers={"accept-language": "nn"}).json() == {"locale": "nn", "text": "Sakene mine"}
        assert c.get("/sync").json()["locale"] == "nb"
    assert seen["thread"] is True


@pytest.mark.parametrize("lang, message", [("nb", "Velg et alternativ."), ("en", "Choose an option.")])
def test_an_empty_avvik_form_names_each_field_and_is_a_4xx(web, client, lang, message):  # type: ignore[no-untyped-def]
    sign_in(client, web, "ansatt")
    form = client.get(f"/avvik/ny?lang={lang}")
    data = {"csrf": CSRF.search(form.text).group(1), "nonce": NONCE.search(form.text).group(1)}  # type: ignore[union-attr]
    r = client.post("/avvik/ny", data=data)
    assert r.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', r.text, re.S).group(0)  # type: ignore[union-attr]
    items = re.findall(r'<li><a href="#([a-z_]+)">(.*?)</a></li>', summary)
    selects = [name for name, text in items if text.endswith(message)]
    assert len(selects) >= 4, items
    kategori = "Kategori" if lang == "nb" else re.search(r'<label for="category">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert ("category", f"{kategori}: {message}") in items
    for _name, text in items:
        assert re.fullmatch(r"[^:?]+: .+", text), text  # «Field: what to fix», no «?:»
    assert len({text for _name, text in items}) == len(items)  # no two lines say the same thing
    client.get("/?lang=nb")


def test_not_found_is_worded_one_way(web, client):  # type: ignore[no-untyped-def]
    sign_in(client, web, "ansatt2")
    with TestClient(web.app) as reporter:  # type: ignore[arg-type]
        sign_in(reporter, web, "ansatt")
        form = reporter.get("/avvik/ny")
        r = reporter.post("/avvik/ny", data={
            "csrf": CSRF.search(form.text).group(1), "nonce": NONCE.search(form.text).group(1),  # type: ignore[union-attr]
            "category": "hms", "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"]), "description": "Glatt gulv",
            "occurred_at": "2026-11-20", "occurred_at_time": "10:15", "location": "B", "probability": "2",
            "consequence": "2", "immediate_action": ""})
        number = re.search(r'id="case-number">AV-(\d+)<', r.text).group(1)  # type: ignore[union-attr]
    missing, hidden = client.get("/avvik/99999"), client.get(f"/avvik/{number}")  # hidden: someone else's
    assert missing.status_code == hidden.status_code == 404
    assert "Fant ikke avvik AV-99999." in missing.text and f"Fant ikke avvik AV-{number}." in hidden.text
    assert "Fant ikke avviket." not in missing.text + hidden.text
    assert "Deviation AV-99999 not found." in client.get("/avvik/99999?lang=en").text
    client.get("/?lang=nb")


@pytest.mark.parametrize("key, numbers", [("ansatt", set()), ("leder", {12}), ("leder2", {13}),
                                          ("kommunalsjef", {12, 13}), ("direktor", {12, 13})])
def test_oppdrag_list_shows_only_what_the_person_may_see(web, key, numbers):  # type: ignore[no-untyped-def]
    with TestClient(web.app) as c:  # type: ignore[arg-type]
        sign_in(c, web, key)
        r = c.get("/oppdrag")
        assert r.status_code == 200
        assert {int(n) for n in re.findall(r'<a href="/oppdrag/(\d+)">', r.text)} == numbers
        if numbers:
            row = re.search(r'<tr>\s*<td[^>]*><a href="/oppdrag/\d+">.*?</tr>', r.text, re.S).group(0)  # type: ignore[union-attr]
            assert "30.06.2027" in row and 'class="light light-' in row  # date one way; the light has a word
            assert re.search(r'aria-hidden="true"></span> (Grønn|Gul|Rød|–)</td>', row), row
        else:
            assert 'id="no-oppdrag"' in r.text


def test_oppdrag_list_filters_by_status_in_each_language(web):  # type: ignore[no-untyped-def]
    with TestClient(web.app) as c:  # type: ignore[arg-type]
        sign_in(c, web, "direktor")
        assert re.findall(r'<a href="/oppdrag/(\d+)">', c.get("/oppdrag?status=fullfort").text) == []
        assert len(re.findall(r'<a href="/oppdrag/(\d+)">', c.get("/oppdrag?status=alle").text)) == 2
        assert 'value="apne" selected' in c.get("/oppdrag?status=<script>").text  # unknown: the default
        english = c.get("/oppdrag?lang=en").text
        assert "<h1>Assignments</h1>" in english and "30/06/2027" in english
        c.get("/?lang=nb")


def test_risk_on_the_leader_page_is_a_badge_with_colour_and_word(web, client):  # type: ignore[no-untyped-def]
    with TestClient(web.app) as reporter:  # type: ignore[arg-type]
        sign_in(reporter, web, "ansatt")
        form = reporter.get("/avvik/ny")
        reporter.post("/avvik/ny", data={
            "csrf": CSRF.search(form.text).group(1), "nonce": NONCE.search(form.text).group(1),  # type: ignore[union-attr]
            "category": "hms", "unit_id": str(web.org.units["Oppvekst/Aurvoll skole"]), "description": "Risikabelt",
            "occurred_at": "2026-11-20", "occurred_at_time": "10:15", "location": "B", "probability": "3",
            "consequence": "3", "immediate_action": ""})
    sign_in(client, web, "leder")
    page = client.get("/leder").text
    assert '<span class="badge band-middels">9 Middels</span>' in page
    assert "9 (Middels)" not in page
