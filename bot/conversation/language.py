"""Which language a chat turn speaks, and «skriv nynorsk» / «bytt til bokmål» / «speak English».

Why here and not in each handler: every entry point of the conversation (a message, a button,
a form, the App Home, a platform command) speaks to one person, so the language is chosen once
at the start of the turn and every `_()` below follows: the person's own choice first, then the
chat platform's guess (Teams' activity `locale`, Slack's `users.info` locale), then the kommune's
default. A language command stores the choice on the person, so it follows them to every platform.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from rapidfuzz import fuzz

from bot.conversation.parsing import normalise
from models.i18n import N_, _, current_locale, use_locale
from models.messages import Reply
from models.services import preferences
from models.uow import Tx, UnitOfWork

log = logging.getLogger("trad.conversation")
P = ParamSpec("P")
R = TypeVar("R")
_in_turn: contextvars.ContextVar[bool] = contextvars.ContextVar("trad_chat_turn", default=False)

# The word that names a language → its code («norsk» is the kommune's own Norwegian: see `parse_language`).
LANGUAGE_WORDS = {"nynorsk": "nn", "bokmål": "nb", "bokmal": "nb", "riksmål": "nb", "norsk": "no", "norwegian": "no",
                  "english": "en", "engelsk": "en", "engelska": "en", "englisch": "en"}
# Words around the language word that do not change what is asked.
FILLER = {"skriv", "skrive", "skriva", "bytt", "byt", "byte", "bytte", "til", "snakk", "snakke", "snakka", "svar",
          "svare", "svara", "på", "pa", "in", "speak", "please", "pls", "plz", "takk", "switch", "to", "change",
          "write", "answer", "reply", "talk", "use", "bruk", "bruke", "bruka", "språk", "språket", "mål",
          "målform", "målforma", "målformen", "kan", "du", "eg", "jeg", "vil", "ha", "i", "meg", "me", "do", "you",
          "can", "could", "language", "lang", "set", "sett", "velg", "vel", "gjerne", "helst", "heller", "the",
          "ønsker", "ynskjer", "english:", "only", "berre", "bare", "med", "now", "nå", "frå", "fra", "og",
          "and", "i'd", "like", "prefer", "want", "let's", "lets", "us", "it"}
NAMES = {"nb": N_("bokmål"), "nn": N_("nynorsk"), "en": N_("engelsk")}


def parse_language(text: str, *, default: str = "nb") -> str | None:
    """The language a short message asks for («skriv nynorsk», «english please»), else None.

    Only a language word among filler words counts, so «nærvær i november 93» or «meld avvik på
    engelsk skule» never switch. «norsk» alone means the kommune's Norwegian (`default`, nb or nn).
    """
    words = [w.strip(".,!?:;") for w in normalise(text).split()]
    words = [w for w in words if w]
    if not words or len(words) > 8:
        return None
    found: str | None = None
    for word in words:
        code = LANGUAGE_WORDS.get(word) or _fuzzy_language(word)
        if code is not None:
            if found is not None and found != code:
                return None
            found = code
        elif word not in FILLER:
            return None
    if found == "no":
        return default if default in ("nb", "nn") else "nb"
    return found


def _fuzzy_language(word: str) -> str | None:
    """«nynrosk», «englsih»: a typo in the language word itself (long words only, to stay safe)."""
    if len(word) < 6:
        return None
    best = max(LANGUAGE_WORDS, key=lambda w: fuzz.ratio(word, w))
    return LANGUAGE_WORDS[best] if len(best) >= 6 and fuzz.ratio(word, best) >= 85 else None


def switch_reply(tx: Tx, person_id: int, code: str) -> Reply:
    """Store the choice and answer in the new language."""
    chosen = preferences.set_person_locale(session=tx, actor_id=person_id, locale=code) or code
    with use_locale(chosen):
        text = _("Greit! Nå skriver jeg {language}.").format(language=_(NAMES[chosen]))
        back = _("Skriv «bytt til bokmål», «skriv nynorsk» eller «speak English» for å bytte språk.")
        helper = _("Skriv «hjelp» for å se hva jeg kan.")
        return Reply(text=f"{text} {back} {helper}")


class Speaker:
    """Chooses the language of a turn: person, platform, kommune (see the module docstring)."""

    def __init__(self, uow: UnitOfWork, default_locale: str) -> None:
        self.uow = uow
        self.default_locale = default_locale

    @contextmanager
    def speak(self, person_id: int | None, platform_locale: str | None) -> Iterator[str]:
        """The turn's language; an entry point called inside a turn keeps the language already chosen."""
        if _in_turn.get():
            yield current_locale()
            return
        own = kommune = None
        if person_id is not None:
            try:
                with self.uow.read() as tx:
                    own, kommune = preferences.turn_locales(session=tx, person_id=person_id)
            except Exception:  # noqa: BLE001 - without the person's choice we still answer, in the next best language
                log.exception("reading the person's language failed")
        with self._turn(own, platform_locale, kommune) as chosen:
            yield chosen

    @contextmanager
    def speak_in(self, tx: Tx, person_id: int, platform_locale: str | None) -> Iterator[str]:
        """`speak`, reading the person's language in a transaction the turn has open anyway.

        Why: the Slack modal's avvik report is kept in one write transaction before the ack, and a
        read transaction of its own cost about as much as the keeping (1.3 of 4.8 ms, bench/slack.md).
        """
        own, kommune = preferences.turn_locales(session=tx, person_id=person_id)
        with self._turn(own, platform_locale, kommune) as chosen:
            yield chosen

    @contextmanager
    def _turn(self, own: str | None, platform_locale: str | None, kommune: str | None) -> Iterator[str]:
        token = _in_turn.set(True)
        try:
            with use_locale(own, platform_locale, kommune, self.default_locale) as chosen:
                yield chosen
        finally:
            _in_turn.reset(token)


def speaks(method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """Run a conversation entry point in the person's language.

    The person and the platform's guess come from the message or interaction (first argument, with
    `.person_id` and `.user.locale`), or from a person id and a `platform_locale=` keyword.
    """

    @wraps(method)
    def wrapper(self: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        first = args[0] if args else kwargs.get("person_id")
        if hasattr(first, "person_id"):
            pid, platform = first.person_id, getattr(getattr(first, "user", None), "locale", None)
        else:
            pid, platform = (first if isinstance(first, int) else None), kwargs.get("platform_locale")
        with self.speaker.speak(pid, platform if isinstance(platform, str) else None):
            return method(self, *args, **kwargs)

    return wrapper
