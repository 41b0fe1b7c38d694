"""Understanding phrasings, synonyms, case, typos and nynorsk."""

import pytest

from bot.conversation.intents import parse


@pytest.mark.parametrize("text,intent", [
    ("meld avvik", "report_avvik"), ("Meld Avik", "report_avvik"), ("NYTT AVVIK!", "report_avvik"),
    ("eg vil melde avvik", "report_avvik"), ("registrere avvik", "report_avvik"),
    ("mine avvik", "my_avvik"), ("avvika mine", "my_avvik"), ("mine avvik?", "my_avvik"),
    ("mine oppdrag", "my_oppdrag"), ("oppdraga mine", "my_oppdrag"),
    ("sjekkliste", "checklist"), ("sjeklista", "checklist"), ("internkontroll", "checklist"),
    ("varsle", "varsle"), ("eg vil varsla", "varsle"), ("hjelp", "help"), ("Hva kan du?", "help"),
    ("avbryt", "cancel"), ("tilbake", "back"), ("attende", "back"),
    ("enhetens avvik", "unit_avvik"), ("blah blah", "unknown"), ("'; drop table avvik; --", "unknown"),
    ("jeg blir mobbet av sjefen", "varsle"),
])
def test_simple_intents(text, intent):
    assert parse(text).name == intent


@pytest.mark.parametrize("text,args", [
    ("oppdrag 12 er ferdig", {"number": 12, "status": "fullfort"}),
    ("Oppdrag 12 er fullført.", {"number": 12, "status": "fullfort"}),
    ("sett oppdrag 12 til 50 %", {"number": 12, "progress": 50}),
    ("sett oppdrag nr 12 til 50 prosent", {"number": 12, "progress": 50}),
    ("oppdrag 12 er forsinket fordi leverandøren sviktet", {"number": 12, "status": "forsinket",
                                                             "comment": "leverandøren sviktet"}),
    ("oppdrag 7 er forseinka sidan vi manglar folk", {"number": 7, "status": "forsinket", "comment": "vi manglar folk"}),
    ("oppdrag 3 er ikke startet", {"number": 3, "status": "ikke_startet"}),
    ("oppdrag 3 er i gang", {"number": 3, "status": "pagar"}),
    ("sett vernerunden til 50 %", {"title": "vernerunden", "progress": 50}),
])
def test_oppdrag_updates(text, args):
    intent = parse(text)
    assert intent.name == "update_oppdrag"
    for k, v in args.items():
        assert intent.args[k] == v


@pytest.mark.parametrize("text", ["gjennomgå risiko 3", "Gjennomgå RO-3", "gå gjennom risikoen 3", "gjennomga ro 3",
                                  "gjennomgang av risiko nr. 3"])
def test_review_a_risk_by_number(text: str) -> None:
    intent = parse(text)
    assert intent.name == "review_risk" and intent.number == 3
