"""Texts outside chat and pages in the person's language (issue 12): the sign-in e-mail, the calendar feed,
and the cancel buttons of Slack modals and Teams form cards."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar
from sqlmodel import select

from models.i18n import use_locale
from models.messages import Form, FormField
from models.services import avvik as avvik_svc
from models.services import calendar_feed as feed
from models.services import web_auth
from models.tables import OutboxMessage, Person
from tests.test_avvik_service import _input

SIGN_IN = {"nb": "Logg inn i Tråd", "nn": "Logg inn i Tråd", "en": "Sign in to Tråd"}
LINK_TEXT = {"nb": "Lenken gjelder i 15 minutter", "nn": "Lenkja gjeld i 15 minutt", "en": "valid for 15 minutes"}
FEED = {"nb": ("Tråd – mine frister", "Tiltak i AV-1"), "nn": ("Tråd – fristane mine", "Tiltak i AV-1"),
        "en": ("Tråd – my deadlines", "Action in AV-1")}
CANCEL = {"nb": "Avbryt", "nn": "Avbryt", "en": "Cancel"}


def _speak(session, person_id: int, locale: str) -> None:  # type: ignore[no-untyped-def]
    person = session.get(Person, person_id)
    person.locale = locale
    session.add(person)
    session.commit()


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_the_sign_in_mail_is_in_the_persons_language(session, org, locale):  # type: ignore[no-untyped-def]
    _speak(session, org.people["ansatt"], locale)
    assert web_auth.request_link(session=session, org_id=org.org_id, email=org.emails["ansatt"],
                                 public_base_url="https://trad.test")
    (row,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "web.login")).all()
    assert row.payload["title"] == SIGN_IN[locale] and LINK_TEXT[locale] in row.payload["text"]


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_the_calendar_feed_is_in_the_persons_language(session, org, locale):  # type: ignore[no-untyped-def]
    a = avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    avvik_svc.add_tiltak(session=session, actor_id=org.people["leder"], avvik_id=int(a.id or 0),
                         description="Strø trappa", deadline=date(2099, 1, 31), owner_id=org.people["leder"])
    _speak(session, org.people["leder"], locale)
    token = feed.create_feed_token(session=session, actor_id=org.people["leder"])
    cal = Calendar.from_ical(feed.feed_for_token(session=session, token=token))
    name, summary = FEED[locale]
    assert str(cal["x-wr-calname"]) == name
    assert summary in [str(e["summary"]) for e in cal.walk("VEVENT")]


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_the_cancel_button_of_slack_modals_and_teams_forms(locale):  # type: ignore[no-untyped-def]
    from bot.slack.blocks import form_view
    from bot.teams.cards import form_card

    form = Form(form_id="x", title="T", submit_label="Send", fields=[FormField(name="a", label="A")])
    with use_locale(locale):
        assert form_view(form).close.text == CANCEL[locale]  # type: ignore[union-attr]
        titles = [a.get("title") for a in form_card(form)["actions"]]
    assert CANCEL[locale] in titles
