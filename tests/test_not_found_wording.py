"""Issue 12: «not found» is worded one way — chat and web both say «Fant ikke avvik AV-n.»

The same words for a case that does not exist and for one the person may not see, so neither
tells which; a button that carries only an internal id gets the stale-link wording, never the
old «Fant ikke avviket.».
"""

from __future__ import annotations

import pytest

from models.i18n_check import source_messages
from models.services import avvik as svc
from tests.test_avvik_service import _input
from tests.test_chat_languages import Person_, _speak, conv  # noqa: F401  (the conversation fixture)

WORDS = {"nb": "Fant ikke avvik AV-{n}.", "nn": "Fann ikkje avvik AV-{n}.", "en": "Deviation AV-{n} not found."}
STALE = {"nb": "Fant ikke saken.", "nn": "Fann ikkje saka.", "en": "Case not found."}


def test_the_old_wording_is_gone_from_the_source() -> None:
    assert "Fant ikke avviket." not in source_messages()


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_chat_says_fant_ikke_avvik_av_n_for_missing_and_hidden_cases(session, org, conv, locale):  # noqa: F811
    hidden = svc.report_avvik(session=session, reporter_id=org.people["ansatt2"], data=_input(unit_id=None))
    _speak(session, org, locale)
    kari = Person_(conv, org.people["ansatt"], "U-kari", [])
    words = WORDS[locale]
    assert words.format(n=99999) in kari.text("AV-99999")
    assert words.format(n=hidden.number) in kari.text(f"AV-{hidden.number}")  # someone else's: the same words
    assert words.format(n=hidden.number) in kari.press("avvik.show", str(hidden.id))
    assert STALE[locale] in kari.press("avvik.show", "987654")  # an id no case has: no number to name
