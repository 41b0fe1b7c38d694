"""Reading a check-in sentence: periods in every form people type, numbers, comments, and fuzzy names."""

from __future__ import annotations

from datetime import date

import pytest

from bot.conversation.checkin_text import best_name, parse_checkin

TODAY = date(2026, 12, 4)
NAMES = ["Brukertilfredshet", "Elever som trives", "Avvik lukket innen frist", "Nærvær", "Sykefravær",
         "Gjennomførte medarbeidersamtaler", "Andel med fagutdanning", "Budsjettavvik", "Vikarutgifter"]


@pytest.mark.parametrize(("text", "name", "period", "value"), [
    ("nærvær i november 93,4 %", "Nærvær", "2026-11", "93,4"),
    ("Nærvær 11.2026 93.4", "Nærvær", "2026-11", "93.4"),
    ("nærvær 2026-10 93", "Nærvær", "2026-10", "93"),
    ("sjukefråvær i desember 7", "Sykefravær", "2026-12", "7"),
    ("nærver forrige mnd 92", "Nærvær", "2026-11", "92"),
    ("Elevar som trivst T2 88", "Elever som trives", "2026-T2", "88"),
    ("brukartilfredsheit andre tertial 4,6", "Brukertilfredshet", "2026-T2", "4,6"),
    ("brukertilfredshet tertial 3 2025 4,1", "Brukertilfredshet", "2025-T3", "4,1"),
    ("medarbeidersamtaler i fjor 95", "Gjennomførte medarbeidersamtaler", "2025", "95"),
    ("medarbeidersamtaler 2025 95", "Gjennomførte medarbeidersamtaler", "2025", "95"),
    ("vikarutgifter 2026-T2 250 000 kr", "Vikarutgifter", "2026-T2", "250000"),
    ("budsjettavvik okt -20 000", "Budsjettavvik", "2026-10", "-20000"),
    ("avvik lukket innen frist 85", "Avvik lukket innen frist", None, "85"),
])
def test_sentences(text, name, period, value):
    parsed = parse_checkin(text, today=TODAY)
    match = best_name(parsed.words, NAMES)
    assert match is not None and NAMES[match.index] == name
    assert (parsed.period.key if parsed.period else None) == period
    assert parsed.value == value


def test_a_month_without_a_year_is_the_latest_that_has_begun():
    assert parse_checkin("nærvær desember 93", today=date(2027, 1, 5)).period.key == "2026-12"  # type: ignore[union-attr]
    assert parse_checkin("nærvær januar 93", today=date(2027, 1, 5)).period.key == "2027-01"  # type: ignore[union-attr]


def test_comment_and_unit_words_are_kept_apart():
    parsed = parse_checkin("Nærvær Aurvol skule i oktober 91 fordi influensa på trinn 3", today=TODAY)
    assert parsed.comment == "influensa på trinn 3" and parsed.value == "91"
    match = best_name(parsed.words, NAMES)
    assert match is not None and NAMES[match.index] == "Nærvær"
    unit = best_name([w for w in match.rest if w != "i"], ["Aurvoll skole", "Solvang skole"])
    assert unit is not None and unit.index == 0


def test_unrelated_text_matches_no_indicator():
    for text in ("jeg jobbet 8 timer i går", "møte kl 14 om budsjett", "hei"):
        assert best_name(parse_checkin(text, today=TODAY).words, NAMES) is None
