"""Indicators through a fake chat window: check-ins in plain Norwegian (bokmål, nynorsk, typos), the
guided round with skip/back/cancel, the styringskort per role, and the home line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.conversation.channel import ChannelUser, IncomingMessage
from bot.conversation.engine import Conversation
from models.messages import Reply
from models.services.plan_import import import_plan
from models.tables import DialogState, IndicatorValue, IndicatorValueRevision, PersonRole

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the reporting round is October 2026
PLAN = """perspective,goal,indicator,measure,direction,frequency,units,target,red_limit,rollup
Medarbeidere,Attraktiv arbeidsgiver > Høyt nærvær,Nærvær,%,høy,måned,alle,93,90,snitt
Medarbeidere,Attraktiv arbeidsgiver > Lavt sykefravær,Sykefravær,%,lav,måned,alle,6,8,snitt
Økonomi,Sunn økonomi,Budsjettavvik,kr,lav,måned,Oppvekst/Aurvoll skole;Oppvekst/Solvang skole,0,100000,sum
Tjenestekvalitet,Gode tjenester,Brukertilfredshet,poeng,høy,tertial,alle,4.5,4,snitt
"""


def dump(replies: list[Reply]) -> str:
    """Everything a person would read: titles, texts, facts, and each item with its facts."""
    out = []
    for r in replies:
        out += [r.title or "", r.text, *(f"{f.label}: {f.value}" for f in r.facts)]
        for i in r.items:
            out += [i.title, i.text, *(f"{f.label}: {f.value}" for f in i.facts)]
    return "\n".join(x for x in out if x)


class Chat:
    def __init__(self, conv: Conversation, person_id: int, user_id: str) -> None:
        self.conv, self.person_id = conv, person_id
        self.user = ChannelUser(platform="console", workspace="test", user_id=user_id)
        self.last: list[Reply] = []

    def say(self, text: str) -> str:
        self.last = self.conv.handle_message(IncomingMessage(user=self.user, person_id=self.person_id, text=text))
        return dump(self.last)


@pytest.fixture
def planned(session, org):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    return org


@pytest.fixture
def conv(engine):
    from models.settings import get_settings
    from models.uow import UnitOfWork

    return Conversation(settings=get_settings(), uow=UnitOfWork(engine), now=lambda: NOW)


def chat(conv, org, who: str) -> Chat:
    return Chat(conv, org.people[who], f"U-{who}")


def values(session) -> dict[tuple[str, str], float]:
    from models.tables import Indicator

    names = {i.id: i.name for i in session.exec(select(Indicator)).all()}
    return {(names[v.indicator_id], v.period): v.value for v in session.exec(select(IndicatorValue)).all()}


@pytest.mark.parametrize(("text", "indicator", "period", "value", "light"), [
    ("nærvær i november 93,4 %", "Nærvær", "2026-11", 93.4, "🟢 Grønn"),
    ("sykefravær oktober 7,2", "Sykefravær", "2026-10", 7.2, "🟡 Gul"),
    ("brukertilfredshet 2026-T2 4,8", "Brukertilfredshet", "2026-T2", 4.8, "🟢 Grønn"),
    ("Sjukefråvær i oktober var 9", "Sykefravær", "2026-10", 9.0, "🔴 Rød"),  # nynorsk
    ("brukartilfredsheit 2. tertial 3,9", "Brukertilfredshet", "2026-T2", 3.9, "🔴 Rød"),  # nynorsk
    ("nærver i novmber 93.4", "Nærvær", "2026-11", 93.4, "🟢 Grønn"),  # typos, decimal point
    ("Nærvær forrige måned 91", "Nærvær", "2026-10", 91.0, "🟡 Gul"),
    ("nærvær 92", "Nærvær", "2026-10", 92.0, "🟡 Gul"),  # no period: the latest month that has ended
    ("budsjettavvik i oktober 150 000 kr", "Budsjettavvik", "2026-10", 150000.0, "🔴 Rød"),
    ("Nærvær Aurvol skule i oktober 91,5", "Nærvær", "2026-10", 91.5, "🟡 Gul"),  # its own unit, misspelt
])
def test_checkin_phrases_store_and_confirm_with_trafikklys_as_symbol_and_word(
        session, planned, conv, text, indicator, period, value, light):
    out = chat(conv, planned, "leder").say(text)
    assert values(session) == {(indicator, period): value}
    assert out.startswith(f"Registrert: {indicator} – Aurvoll skole")
    assert f"Trafikklys: {light}" in out and "Mål: " in out


def test_confirmation_has_target_and_trend_and_a_correction_says_so(session, planned, conv):
    c = chat(conv, planned, "leder")
    c.say("nærvær oktober 91")
    out = c.say("nærvær i november 93,4 %")
    assert "🟢 Grønn: 93,4 % (mål 93 %)." in out
    assert "Trend: ↑ opp (forrige: 91 %, bedre)" in out and "Rød grense: 90 %" in out
    out = c.say("nærvær november 92 fordi feil i lønnsrapporten")
    assert out.startswith("Rettet: Nærvær – Aurvoll skole, november 2026")
    assert "rettelse: den forrige verdien (93,4 %) er tatt vare på" in out and "🟡 Gul" in out
    assert values(session)[("Nærvær", "2026-11")] == 92.0
    assert [r.value for r in session.exec(select(IndicatorValueRevision)).all()] == [93.4]
    assert session.exec(select(IndicatorValue).where(IndicatorValue.period == "2026-11")).one().comment == \
        "feil i lønnsrapporten"


@pytest.mark.parametrize(("who", "text", "words"), [
    ("leder", "nærvær Solvang skole oktober 91", "Bare lederen for Solvang skole"),  # wrong unit
    ("hjemmeleder", "budsjettavvik hjemmebaserte tenester oktober 10", "rapporterer ikke «Budsjettavvik»"),
    ("hjemmeleder", "budsjettavvik oktober 10", "Bare lederne for enhetene som rapporterer «Budsjettavvik»"),
    ("leder", "nærvær oktober 140", "mellom 0 og 100"),  # implausible
    ("leder", "nærvær desember 2026 93", "har ikke begynt"),  # period not due
    ("leder", "brukertilfredshet oktober 4", "rapporteres per tertial"),
    ("ansatt", "nærvær oktober 93", "Bare lederne for enhetene som rapporterer «Nærvær»"),  # not a leader
    ("leder", "kantinetilfredshet oktober 5", "fant ingen indikator"),
    ("leder", "nærvær Aurvol skule oktober 91 ekstra greier", "skjønte ikke hvilken enhet"),
    ("leder", "nærvær i oktober", "skriv verdien også"),
])
def test_bad_checkins_say_why_and_store_nothing(session, planned, conv, who, text, words):
    out = chat(conv, planned, who).say(text)
    assert words in out, out
    assert values(session) == {}
    assert session.exec(select(DialogState)).all() == []


def test_the_unit_is_asked_for_when_the_leader_has_several(session, planned, conv):
    session.add(PersonRole(org_id=planned.org_id, person_id=planned.people["leder2"], role="leder",
                           unit_id=planned.units["Helse og omsorg/Institusjonstjenester"]))
    session.commit()
    c = chat(conv, planned, "leder2")
    ask = c.say("nærvær oktober 90")
    assert "flere enheter" in ask and "1. Institusjonstjenester" in ask and "2. Solvang skole" in ask
    assert "fant jeg ikke" in c.say("9")
    assert values(session) == {}
    assert "Registrert: Nærvær – Solvang skole" in c.say("solvang")
    assert session.exec(select(DialogState)).all() == []
    assert "Registrert: Nærvær – Institusjonstjenester" in c.say("nærvær institusjonstenestene oktober 95")
    c.say("sykefravær oktober 5")
    assert "Ingenting er lagret" in c.say("avbryt")
    stored = session.exec(select(IndicatorValue)).all()
    assert sorted((v.unit_id, v.value) for v in stored) == sorted([
        (planned.units["Oppvekst/Solvang skole"], 90.0), (planned.units["Helse og omsorg/Institusjonstjenester"], 95.0)])


def test_guided_round_stores_each_value_with_skip_back_and_cancel(session, planned, conv):
    c = chat(conv, planned, "leder")
    out = c.say("registrer indikatorar")  # nynorsk
    # October's three, and the 2nd tertial's (overdue since 10 September, still missing) last
    assert "4 mangler verdi" in out and "1/4 Nærvær for Aurvoll skole, oktober 2026 (%). Mål: 93 %." in out
    out = c.say("93,4 %")
    assert "Lagret: Nærvær 93,4 % – 🟢 Grønn" in out and "2/4 Sykefravær" in out
    assert values(session) == {("Nærvær", "2026-10"): 93.4}  # stored at once
    assert "3/4 Budsjettavvik" in c.say("hopp over")
    out = c.say("tilbake")
    assert "2/4 Sykefravær" in out
    assert "ikke et tall" in c.say("mye") and "2/4" in c.last[-1].text
    out = c.say("tilbake")
    assert "1/4 Nærvær" in out and "Du har registrert 93,4 %" in out
    assert "Rettet: Nærvær 94 %" in c.say("94")
    assert "Lagret: Sykefravær 7 %" in c.say("7")
    assert "Avbrutt. 2 verdier er lagret" in c.say("avbryt")
    assert values(session) == {("Nærvær", "2026-10"): 94.0, ("Sykefravær", "2026-10"): 7.0}
    assert session.exec(select(DialogState)).all() == []
    out = c.say("registrer indikatorer")
    assert "1/2 Budsjettavvik" in out
    assert "2/2 Brukertilfredshet" in c.say("-20 000")
    assert "Ferdig med indikatorene" in c.say("4,6")
    assert values(session)[("Brukertilfredshet", "2026-T2")] == 4.6
    assert "Alle indikatorene for oktober 2026 er registrert" in c.say("registrer indikatorer")
    assert "ingen indikatorer å registrere" in chat(conv, planned, "ansatt").say("registrer indikatorer")


def _fill(c: Chat) -> None:
    for text in ("nærvær september 90", "nærvær oktober 94", "sykefravær oktober 9", "budsjettavvik oktober 50000"):
        c.say(text)


def test_the_card_per_role(session, planned, conv):
    _fill(chat(conv, planned, "leder"))
    chat(conv, planned, "leder2").say("nærvær oktober 90")
    out = chat(conv, planned, "leder").say("styringskort")
    assert out.startswith("Styringskort: Aurvoll skole – oktober 2026")
    assert "Medarbeidere\n🟢 1 grønn · 🟡 0 gul · 🔴 1 rød" in out
    assert "🟢 Nærvær" in out and "Trafikklys: 🟢 Grønn" in out and "Trend: ↑ opp (forrige: 90 %, bedre)" in out
    assert "🔴 Sykefravær" in out and "Trafikklys: 🔴 Rød" in out
    assert "⚪ Brukertilfredshet" in out and "Trafikklys: ⚪ Ingen" in out
    sector = chat(conv, planned, "kommunalsjef").say("styringskortet")
    assert sector.startswith("Styringskort: sektor Oppvekst – oktober 2026") and "Verdi: 92 %" in sector
    assert "Rapportert: 2 av 2 enheter" in sector and "styringskort Aurvoll skole" in sector
    direktor = chat(conv, planned, "direktor")
    assert direktor.say("styringskort").startswith("Styringskort: Testkommune – oktober 2026")
    assert direktor.say("styringskort Aurvoll skole").startswith("Styringskort: Aurvoll skole")
    assert direktor.say("styringskort oppvekst september").startswith("Styringskort: sektor Oppvekst – september 2026")
    assert "tilgang" in chat(conv, planned, "kommunalsjef").say("styringskort Hjemmebaserte tjenester")
    assert "tilgang" in chat(conv, planned, "leder").say("styringskort Solvang skole")
    assert "du leder ingen enhet" in chat(conv, planned, "ansatt").say("styringskort")


def test_home_and_help_show_the_indicators(session, planned, conv):
    assert "registrer indikatorer" in chat(conv, planned, "leder").say("hjelp")
    view = conv.home_view(planned.people["leder"])
    waiting = next(s for s in view.sections if s.title == "Venter på deg")
    assert waiting.items[0].title == "Indikatorer som venter (4)"  # with the overdue 2nd tertial
    assert "oktober 2026 mangler verdi" in waiting.items[0].text
    _fill(chat(conv, planned, "leder"))
    view = conv.home_view(planned.people["leder"])
    assert next(s for s in view.sections if s.title == "Venter på deg").items[0].title == "Indikatorer som venter (1)"
    chat(conv, planned, "leder").say("brukertilfredshet andre tertial 4,6")
    view = conv.home_view(planned.people["leder"])
    assert all("Indikatorer" not in i.title for s in view.sections for i in s.items)
    assert all("Indikatorer" not in i.title for s in conv.home_view(planned.people["ansatt"]).sections for i in s.items)
