"""Teams in English and nynorsk (issue 12): the welcome and the case cards keep no bokmål catalog text.

The card posted in a channel is read by everyone; the refreshed card is the reader's own and follows
the reader's language, as do the buttons and the answer to a press.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.tables import Person
from tests.teams.fakes import activity
from tests.teams.test_case_cards import _execute, _refresh, _report, _shared_card, actions
from tests.teams.test_flows import Teams, card_of, texts
from tests.test_chat_languages import untranslated_needles
from tests.web.test_pages_languages import domain_words

EXPECT = {"en": ("Take the case", "Welcome to Tråd"), "nn": ("Ta saka", "Velkomen til Tråd")}


def _speak(session, locale: str) -> None:  # type: ignore[no-untyped-def]
    for person in session.exec(select(Person)).all():
        person.locale = locale
        session.add(person)
    session.commit()


def _left(locale: str, text: str) -> list[str]:
    """Bokmål catalog fragments and short domain words (statuses) left in what the reader sees."""
    return sorted({n for n in untranslated_needles(locale) if n in text} | set(domain_words(locale).findall(text)))


@pytest.mark.parametrize("locale", ["nn", "en"])
def test_welcome_and_case_cards_speak_the_persons_language(client, teams_env, org, session, locale):
    _speak(session, locale)
    take_label, welcome = EXPECT[locale]
    newcomer = Teams(client, teams_env, org, key="ansatt2", user="29:user-ansatt2-lang")
    n = len(teams_env.state.calls)
    newcomer.post(activity("installationUpdate", user=newcomer.user, conv="a:personal-ansatt2-lang",
                           service_url=teams_env.service_url, action="add"))
    shown = texts(card_of(newcomer.sent_since(n)[0]))
    assert welcome in shown and not _left(locale, shown), _left(locale, shown)
    _report(client, teams_env, org)
    leader, card = _shared_card(client, teams_env, org)
    mine = _refresh(leader, card)
    titles = [a["title"] for a in actions(mine)]
    assert take_label in titles, titles
    taken = _execute(leader, next(a for a in actions(mine) if a["title"] == take_label)["data"]).json()["value"]
    read = "\n".join([texts(card), texts(mine), *titles, texts(taken), *(a["title"] for a in actions(taken))])
    assert not _left(locale, read), (_left(locale, read), read)
