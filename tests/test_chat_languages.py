"""Every chat flow in bokmål, nynorsk and English: no reply in nn or en keeps a bokmål catalog string.

The people's own language (`person.locale`) decides; the platform's guess (Teams' activity `locale`)
applies when they have none; «skriv nynorsk» / «speak English» store the choice.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlmodel import select

from bot.console import run_console
from bot.console.delivery import ConsoleInbox
from bot.conversation.channel import ChannelUser, IncomingMessage, Interaction
from bot.conversation.engine import Conversation
from models.errors import DomainError
from models.i18n import catalog_files, translations
from models.i18n_check import source_messages
from models.messages import Form, Reply
from models.services.plan_import import import_plan
from models.tables import Avvik, Person, Tiltak
from tests.teams.conftest import client, fake_ms, teams_env  # noqa: F401  (the Teams fixtures)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PLAN = """perspective,goal,indicator,measure,direction,frequency,units,target,red_limit,rollup
Medarbeidere,Attraktiv arbeidsgiver > Høyt nærvær,Nærvær,%,høy,måned,alle,93,90,snitt
Medarbeidere,Attraktiv arbeidsgiver > Lavt sykefravær,Sykefravær,%,lav,måned,alle,6,8,snitt
"""
MIN_NEEDLE = 12
# Text the domain (models/, another area's catalog) still builds unmarked on this branch, by where it will be
# marked: excused only until a string is marked there, so the check tightens by itself after the merge.
PENDING_ELSEWHERE = {"Legg til tiltak": "models/notices.py"}
# Checklist headings the kommune wrote (the demo's checklist): content, never translated.
KOMMUNE_CONTENT = ("Administrative punkt frå kommunedirektøren", "Felles sjekkliste for leiarar")


def render(replies: list[Reply]) -> str:
    """All a person can read in replies: titles, texts, facts, items, buttons and forms."""
    out: list[str] = []
    for r in replies:
        out += [r.title or "", r.text, *(f"{f.label}: {f.value}" for f in r.facts), *(a.label for a in r.actions)]
        for i in r.items:
            out += [i.title, i.text, *(f"{f.label}: {f.value}" for f in i.facts), *(a.label for a in i.actions)]
        if r.form is not None:
            out.append(render_form(r.form))
    return "\n".join(x for x in out if x)


def render_form(form: Form) -> str:
    out = [form.title, form.submit_label]
    for f in form.fields:
        out += [f.label, f.hint or "", *(label for _value, label in f.options)]
    return "\n".join(x for x in out if x)


class Person_:
    """One person typing and pressing buttons in a text channel (or, with forms=True, a form channel)."""

    def __init__(self, conv: Conversation, person_id: int, user_id: str, log: list[str],
                 platform_locale: str | None = None) -> None:
        self.conv, self.pid, self.log = conv, person_id, log
        self.user = ChannelUser(platform="console", workspace="test", user_id=user_id, locale=platform_locale)

    def say(self, text: str, *, forms: bool = False) -> list[Reply]:
        replies = self.conv.handle_message(IncomingMessage(user=self.user, person_id=self.pid, text=text,
                                                           supports_forms=forms))
        self.log.append(render(replies))
        return replies

    def text(self, text: str) -> str:
        return render(self.say(text))

    def press(self, action_id: str, value: str = "") -> str:
        """A button; a refusal (a domain error) is shown by every platform as a message, so it is logged too."""
        try:
            replies = self.conv.handle_action(Interaction(user=self.user, person_id=self.pid, action_id=action_id,
                                                          value=value, supports_forms=False))
        except DomainError as e:
            replies = [Reply(text=e.message)]
        self.log.append(render(replies))
        return render(replies)

    def submit(self, form: Form, values: dict[str, str]) -> str:
        replies = self.conv.submit_form(Interaction(user=self.user, person_id=self.pid, action_id=form.form_id,
                                                    values=values, context=form.context))
        self.log.append(render(replies))
        return render(replies)


@pytest.fixture
def conv(engine):
    from models.settings import get_settings
    from models.uow import UnitOfWork

    return Conversation(settings=get_settings(), uow=UnitOfWork(engine), now=lambda: NOW)


def _speak(session, org, locale: str | None) -> None:
    for person in session.exec(select(Person).where(Person.org_id == org.org_id)).all():
        person.locale = locale
        session.add(person)
    session.commit()


def run_every_flow(session, org, conv, log: list[str], tmp_path: Path) -> None:
    """Every chat flow once, as employees and leaders would use them; what they read goes to `log`."""
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    ansatt = Person_(conv, org.people["ansatt"], "U-ansatt", log)
    leder = Person_(conv, org.people["leder"], "U-leder", log)
    sjef = Person_(conv, org.people["kommunalsjef"], "U-sjef", log)
    for text in ("hjelp", "takk", "avbryt", "blablabla qwerty zxcv", "x" * 4500, "mine avvik", "mine oppdrag",
                 "sjekkliste", "styringskort", "registrer indikatorer"):
        ansatt.say(text)
    # meld avvik, guided, with wrong answers on the way
    for text in ("meld avvik", "99", "1", "samme", "Elev skled på glatt gulv", "en gang i blant", "i dag 10:15",
                 "tilbake", "i dag 10:15", "-", "3", "2", "Satt ut kjegler", "hm", "send"):
        ansatt.say(text)
    # meld avvik as a form (Slack modal, Teams card), with a validation error first
    (shown,) = ansatt.say("meld avvik", forms=True)
    assert shown.form is not None
    values = {"category": "hms", "unit_id": str(org.units["Oppvekst/Aurvoll skole"]), "description": "Lekkasje",
              "occurred_at": "", "location": "Gymsalen", "probability": "2", "consequence": "9"}
    from models.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as failed:
        ansatt.submit(shown.form, values)
    log.append(failed.value.message)
    ansatt.submit(shown.form, {**values, "occurred_at": "i dag 09:00", "consequence": "2"})
    first, second = session.exec(select(Avvik).order_by(Avvik.number)).all()
    ansatt.say("mine avvik")
    ansatt.say(f"AV-{first.number}")
    # the leader's side: take, add tiltak, show, close, reopen
    leder.say("enhetens avvik")
    leder.press("avvik.take", str(first.id))
    leder.press("avvik.add_tiltak", str(first.id))
    for text in ("Strø sand ved inngangen", "samme", "18.12.2026", "send"):
        leder.say(text)
    leder.press("avvik.show", str(first.id))
    leder.press("avvik.close", str(first.id))
    for text in ("Sand er strødd", "Ingen nye fall", "send"):
        leder.say(text)
    leder.press("avvik.reopen", str(first.id))
    leder.say("Det glir fortsatt")
    leder.say("send")
    # sjekkliste: ja, nei with a comment (becomes an avvik), ikke relevant
    leder.say("sjekkliste")
    unit = org.units["Oppvekst/Aurvoll skole"]
    leder.press("check.ja", f"{unit}:{org.items[0]}")
    leder.press("check.nei", f"{unit}:{org.items[1]}")
    leder.say("Vernerunden ble utsatt")
    leder.say("send")
    # oppdrag: words, then the update form as a guided dialog
    leder.say("mine oppdrag")
    leder.say("sett oppdrag 12 til 55 %")
    leder.say("oppdrag 12 er forsinket fordi leverandøren gikk konkurs")
    leder.say("sett oppdraget som ikke finnes til 50 %")
    leder.press("oppdrag.update", "12")
    for text in ("2", "60", "Godt i gang", "send"):
        leder.say(text)
    # indicators: a check-in, a correction, the guided round, the styringskort
    for text in ("nærvær i november 93,4 %", "nærvær i november 94", "nærvær", "registrer indikatorer", "92",
                 "tilbake", "hopp over", "avbryt", "styringskort", "styringskort Solvang skole"):
        leder.say(text)
    sjef.say("styringskort")
    # risk (ROS) as a leader, and an employee who may not
    for text in ("ny risiko", "samme", "Brann i kjøkkenet", "Gammelt komfyrvern", "4", "4", "2", "1.3.2027",
                 "send"):
        leder.say(text)
    ansatt.say("ny risiko")
    # varsling: the command and whistle words
    ansatt.say("varsle")
    ansatt.say("Sjefen min trakasserer meg")
    ansatt.press("ukjent.knapp", "1")
    ansatt.press("avvik.take", "abc")  # a forged button
    # the home views and the terminal banner
    for who in ("ansatt", "leder"):
        view = conv.home_view(org.people[who])
        log.append("\n".join([view.intro, *(a.label for a in view.actions)] + [
            "\n".join([s.title, s.empty, render([Reply(items=s.items)])]) for s in view.sections]))
    out = io.StringIO()
    run_console(org.emails["ansatt"], conversation=conv, stdin=io.StringIO("hjelp\n"), stdout=out,
                inbox=ConsoleInbox(tmp_path / "inbox.jsonl"))
    log.append(out.getvalue())
    assert session.exec(select(Tiltak)).all(), "the tiltak flow did not store its tiltak"
    run_newer_flows(session, org, conv, log)
    log.append(outbox_text(session))


def run_newer_flows(session, org, conv, log: list[str]) -> None:
    """The flows added after the first sweep: incident offers, closing with open tiltak, closed cases, the
    risk review (text and form), delegation, and a published checklist (its notice is read from the outbox)."""
    from models.services import checklist_admin

    ansatt = Person_(conv, org.people["ansatt"], "U-ansatt", log)
    leder = Person_(conv, org.people["leder"], "U-leder", log)
    sjef = Person_(conv, org.people["kommunalsjef"], "U-sjef", log)
    for text in ("det lekk vatn frå taket i gymsalen", "a resident fell in the bathroom"):
        (offer,) = ansatt.say(text)
        assert offer.actions, f"no incident offer for {text!r}"
        ansatt.press(offer.actions[0].action_id, offer.actions[0].value)
        ansatt.say("avbryt")
    first, second = session.exec(select(Avvik).order_by(Avvik.number)).all()[:2]
    leder.press("avvik.close", str(first.id))  # its tiltak is still open: a warning, and the reason first
    for text in ("Tiltaket følges opp i HMS-planen", "Sand er strødd", "Ingen nye fall", "send"):
        leder.say(text)
    leder.press("avvik.close", str(second.id))
    for text in ("Lekkasjen er tettet", "Tørt nå", "send"):
        leder.say(text)
    ansatt.say("mine lukkede avvik")
    ansatt.say("mine avvik")
    # the risk review: the guided dialog, then the form (Slack modal, Teams card)
    for text in ("gjennomgå risiko 1", "2", "3", "Komfyrvern er byttet", "om 12 uker", "send"):
        leder.say(text)
    (review,) = leder.say("gjennomgå risiko 1", forms=True)
    assert review.form is not None, "the review form was not offered"
    # delegation: the kommunalsjef shares oppdrag 13 with a school below
    sjef.say("del oppdrag 13 med Solvang skole")
    sjef.say("del oppdrag 13 med Finnes ikke skole")
    checklist_admin.create_template(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                    data=checklist_admin.TemplateInput(
                                        name="Brannvern", recurrence="tertial", publish_on=None, due_day=15,
                                        items=(("HMS", "HMS", "Er rømningsvegane frie?"),)))
    session.commit()


def outbox_text(session) -> str:
    """Every notice the flows queued (the receipt, the leader's notice, delegation, the checklist), as read."""
    from models.tables import OutboxMessage

    out: list[str] = []

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("title", "text", "label", "value", "intro", "empty"):
            out.append(value)

    for row in session.exec(select(OutboxMessage)).all():
        walk(row.payload)
    return "\n".join(out)


@cache
def _catalog_text(locale: str) -> str:
    """Every translation of the language, as one text: a bokmål fragment found here is also good nn/en."""
    parts: list[str] = []
    for path in catalog_files(locale):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                parts += [s for s in strings if s]
    return "\n".join(parts)


def untranslated_needles(locale: str) -> set[str]:
    """Bokmål fragments (between placeholders) of every source string the language translates differently."""
    tr = translations(locale)
    catalog = _catalog_text(locale)
    needles: set[str] = set()
    for msgid, where in source_messages().items():
        pending = PENDING_ELSEWHERE.get(msgid)
        if tr.gettext(msgid) == msgid or (pending and not any(w.startswith(pending) for w in where)):
            continue
        for part in re.split(r"\{[^}]*\}", msgid):
            part = part.strip(" .,:;()«»–-")
            if len(part) >= MIN_NEEDLE and part not in catalog:
                needles.add(part)
    return needles


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_every_chat_flow_speaks_the_persons_language(session, org, conv, tmp_path, locale):
    _speak(session, org, locale)
    log: list[str] = []
    run_every_flow(session, org, conv, log, tmp_path)
    said = "\n".join(log)
    if locale == "nb":
        assert "Dette kan jeg hjelpe med" in said and "Frist: 18.12.2026" not in said
        assert "Tiltaket er lagret med frist 18.12.2026" in said
        return
    from tests.factories import PEOPLE

    for content in (*KOMMUNE_CONTENT, *(name for _key, name, _unit, _roles in PEOPLE)):  # shown as written
        said = said.replace(content, "")
    from tests.web.test_pages_languages import domain_words

    left = sorted({n for n in untranslated_needles(locale) if n in said} | set(domain_words(locale).findall(said)))
    lines = [line for line in said.splitlines() if any(n in line for n in left)]
    assert not left, f"bokmål left in {locale} chat replies: {left[:20]} in {lines[:5]}"
    if locale == "nn":
        assert "Dette kan eg hjelpe med" in said and "Tiltaket er lagra med frist 18.12.2026" in said
        assert "eg spør deg steg for steg" in said
    else:
        assert "This is what I can help with" in said and "deadline 18/12/2026" in said
        assert "Your open deviations" in said and "I will ask you step by step" in said


@pytest.mark.parametrize(("text", "locale", "expect"), [
    ("skriv nynorsk", "nn", "No skriv eg nynorsk"),
    ("Bytt til nynorsk!", "nn", "No skriv eg nynorsk"),
    ("byt til nynorsk takk", "nn", "No skriv eg nynorsk"),
    ("speak English", "en", "From now on I write English"),
    ("English please", "en", "From now on I write English"),
    ("can you speak englsih?", "en", "From now on I write English"),
    ("skriv engelsk", "en", "From now on I write English"),
])
def test_a_language_command_is_stored_and_answered_in_the_new_language(session, org, conv, text, locale, expect):
    log: list[str] = []
    kari = Person_(conv, org.people["ansatt"], "U-kari", log)
    assert expect in kari.text(text)
    session.expire_all()
    assert session.get(Person, org.people["ansatt"]).locale == locale
    help_text = kari.text("hjelp")
    assert ("Dette kan eg hjelpe med" if locale == "nn" else "This is what I can help with") in help_text
    back = kari.text("bytt til bokmål")
    assert "Nå skriver jeg bokmål" in back
    assert "Dette kan jeg hjelpe med" in kari.text("hjelp") and "«speak English»" in kari.text("hjelp")
    session.expire_all()
    assert session.get(Person, org.people["ansatt"]).locale == "nb"


@pytest.mark.parametrize("text", ["nærvær i november 93", "meld avvik på engelsk skule", "norsk lov om avvik",
                                  "english teacher was hurt", "nynorsk"])
def test_only_a_plain_language_request_switches(session, org, conv, text):
    kari = Person_(conv, org.people["ansatt"], "U-kari", [])
    kari.say(text)
    session.expire_all()
    assert session.get(Person, org.people["ansatt"]).locale == ("nn" if text == "nynorsk" else None)


def test_a_language_switch_in_the_middle_of_a_dialog_keeps_the_dialog(session, org, conv):
    kari = Person_(conv, org.people["ansatt"], "U-kari", [])
    assert "1/8" in kari.text("meld avvik")
    assert "From now on I write English" in kari.text("speak English")
    assert "2/8 Enhet" in kari.text("1")  # the dialog goes on; its questions were asked in bokmål
    assert "Cancelled. Nothing was saved." in kari.text("cancel")


def test_the_platform_locale_is_the_first_guess_and_the_persons_choice_wins(session, org, conv):
    kari = Person_(conv, org.people["ansatt"], "U-kari", [], platform_locale="en-US")
    assert "This is what I can help with" in kari.text("hjelp")
    kari.text("skriv nynorsk")
    assert "Dette kan eg hjelpe med" in kari.text("hjelp")  # her own choice beats the platform's guess


def test_the_kommune_default_applies_when_nobody_says(session, org, engine, monkeypatch):
    from models.settings import get_settings
    from models.uow import UnitOfWork

    monkeypatch.setenv("DEFAULT_LOCALE", "nn")
    get_settings.cache_clear()
    try:
        conv = Conversation(settings=get_settings(), uow=UnitOfWork(engine), now=lambda: NOW)
        kari = Person_(conv, org.people["ansatt"], "U-kari", [])
        assert "Dette kan eg hjelpe med" in kari.text("hjelp")
        assert "No skriv eg nynorsk" in kari.text("norsk")  # «norsk» is the kommune's Norwegian
    finally:
        get_settings.cache_clear()


def test_teams_activity_locale_is_used_when_the_person_has_none(client, teams_env, org, session):  # noqa: F811
    from tests.teams.test_flows import Teams

    t = Teams(client, teams_env, org)
    sent = t.say("hjelp", locale="en-US")
    assert "This is what I can help with" in str(sent)
    sent = t.say("hjelp")  # the fake's default activity says nb-NO
    assert "Dette kan jeg hjelpe med" in str(sent)
    t.say("skriv nynorsk", locale="en-US")
    assert "Dette kan eg hjelpe med" in str(t.say("hjelp", locale="en-US"))
