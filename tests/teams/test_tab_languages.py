"""The Teams personal tab in nynorsk and English: its pages keep no bokmål catalog text (issue 12)."""

from __future__ import annotations

import pytest

from models.tables import Person
from tests.teams.test_tab import _sign_in, tab  # noqa: F401  (the tab fixture)
from tests.test_chat_languages import untranslated_needles
from tests.web.test_pages_languages import BOKMAL_WORDS, domain_words, visible

CONTENT = ("Lise Leder", "Kari Ansatt", "Oppvekst/Aurvoll skole", "Oppvekst/Solvang skole", "Oppvekst",
           "Testkommune", "Utrede felles skolebibliotek", "Vernerunde i alle enheter", "Tråd")


@pytest.mark.parametrize("locale", ["nn", "en"])
@pytest.mark.parametrize("key", ["leder", "ansatt"])
def test_the_tab_pages_speak_the_persons_language(tab, teams_env, org, session, key, locale):  # noqa: F811
    person = session.get(Person, org.people[key])
    person.locale = locale
    session.add(person)
    session.commit()
    signin_page = visible(tab.get("/teams/fane").text)[0]  # before sign-in: the person is unknown, so bokmål
    assert "Tråd" in signin_page
    assert _sign_in(tab, teams_env.sso_token(email=org.emails[key])).status_code == 303
    home = tab.get("/teams/fane")
    card = tab.get("/teams/fane/styringskort")
    assert home.status_code == 200 and card.status_code == (200 if key == "leder" else 403)
    text = "\n".join(visible(r.text)[0] for r in (home, card))
    for piece in CONTENT:
        text = text.replace(piece, "")
    left = sorted({n for n in untranslated_needles(locale) if n in text} | set(domain_words(locale).findall(text)))
    assert not left, f"bokmål left in the {locale} tab: {left[:10]}"
    if locale == "en":
        lines = [line for line in text.splitlines() if BOKMAL_WORDS.search(line)]
        assert not lines, lines[:10]
        assert "My cases" in text
    else:
        assert "Sakene mine" in text
