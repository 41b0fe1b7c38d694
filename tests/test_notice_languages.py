"""Every notice speaks its recipient's language: nynorsk leader, English reporter, English Teams welcome.

Notices are written to the outbox by the domain, one per recipient, inside that person's language;
the platform renderer adds its own labels (buttons, headings) in the same language at delivery.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models.errors import ImportFailed
from models.i18n import use_locale
from models.services import nudges, org_import
from models.tables import OutboxMessage, Person
from tests.slack.conftest import SlackDriver, _fake_slack_server, fake_slack, slack, slack_env  # noqa: F401
from tests.slack.test_slack_flows import avvik_values, open_avvik_modal, submit_avvik
from tests.teams.conftest import client, fake_ms, teams_env  # noqa: F401
from tests.teams.fakes import activity
from tests.teams.test_flows import Teams, card_of, texts


def _speak(engine, **locales: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        for email_key, locale in locales.items():
            person = s.exec(select(Person).where(Person.email.startswith(email_key + "@"))).one()  # type: ignore[attr-defined]
            person.locale = locale
            s.add(person)
        s.commit()


@pytest.mark.anyio
async def test_english_reporter_gets_english_and_nynorsk_leader_gets_nynorsk(slack: SlackDriver, engine) -> None:  # noqa: F811
    from bot.slack.delivery import build_adapter
    from models.settings import get_settings
    from notifications.outbox_worker import Pacer, deliver_due

    _speak(engine, ansatt="en", leder="nn")
    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view, description="Vatn lekk frå taket i gymsalen"))
    await deliver_due(engine, {"slack": build_adapter(get_settings(), slack.app.state.wiring.conversation)},
                      pacer=Pacer({}))
    posts = [c for c in slack.fake.of("chat.postMessage") if c.args.get("channel") in slack.uid.values()]
    to = {c.args["channel"]: json.dumps(c.args, ensure_ascii=False) for c in posts}
    leader, reporter = to[slack.uid["leder"]], to[slack.uid["ansatt"]]
    # the leader's DM: nynorsk title, facts and buttons
    assert "Nytt avvik AV-1" in leader and "Eining" in leader and "Ta saka" in leader and "Meldt av" in leader
    assert "Enhet" not in leader and "Ta saken" not in leader
    # the receipt: English, the leader named, dates one way (dd/mm/yyyy), the kommune's words as written
    assert "Your deviation is recorded as AV-1" in reporter and "(leader of Aurvoll skole) has been notified" in reporter
    assert "Category" in reporter and "Kategori" not in reporter and "Aurvoll skole" in reporter
    assert "Vatn lekk frå taket i gymsalen" in reporter


def test_a_nudge_to_an_english_leader_is_english_and_to_a_bokmal_leader_bokmal(engine, org, session) -> None:
    _speak(engine, leder="en-GB")
    now = datetime(2026, 11, 20, 12, 0)
    from datetime import UTC

    run = nudges.run_nudges(session=session, period="2026-11", now=now.replace(tzinfo=UTC), all_clear=True)
    assert run.enqueued >= 2
    by_person = {r.recipient_person_id: r.payload for r in session.exec(select(OutboxMessage)).all()}
    english = json.dumps(by_person[org.people["leder"]], ensure_ascii=False)
    bokmal = json.dumps(by_person[org.people["leder2"]], ensure_ascii=False)
    assert "November 2026" in english and ("Reminder for" in english or "All up to date" in english)
    assert by_person[org.people["leder"]]["locale"] == "en"
    assert "november 2026" in bokmal and ("Påminnelse for" in bokmal or "Alt er à jour" in bokmal)


def test_teams_welcome_for_an_en_us_person_is_english(client, teams_env, org) -> None:  # noqa: F811
    t = Teams(client, teams_env, org, key="ansatt", user="29:user-ansatt-en")
    n = len(teams_env.state.calls)
    add = activity("installationUpdate", user=t.user, conv="a:personal-ansatt-en",
                   service_url=teams_env.service_url, action="add", locale="en-US")
    assert t.post(add).status_code == 200
    shown = texts(card_of(t.sent_since(n)[0]))
    assert "Welcome to Tråd" in shown and "report deviation" in shown and "Velkommen" not in shown


def test_org_import_reads_the_locale_column(session) -> None:
    data = ("email,name,unit,role,locale\n"
            "nora@alver.no,Nora Nynorsk,Helse/Alver sjukeheim,leder,nynorsk\n"
            "eddie@alver.no,Eddie English,Helse/Alver sjukeheim,ansatt,en-US\n"
            "berit@alver.no,Berit Bokmål,Helse/Alver sjukeheim,ansatt,Bokmål\n"
            "tom@alver.no,Tom Tom,Helse/Alver sjukeheim,ansatt,\n")
    org_import.import_people(session=session, data=data, org_slug="alver")
    got = {p.email: p.locale for p in session.exec(select(Person)).all()}
    assert got == {"nora@alver.no": "nn", "eddie@alver.no": "en", "berit@alver.no": "nb", "tom@alver.no": None}
    # an empty cell keeps what the person chose; a bad value is a line-numbered error in the reader's language
    org_import.import_people(session=session, data="email,name,unit,role,locale\nnora@alver.no,Nora Nynorsk,Helse,leder,\n",
                             org_slug="alver")
    assert session.exec(select(Person).where(Person.email == "nora@alver.no")).one().locale == "nn"
    bad = "email,name,unit,role,locale\nnora@alver.no,Nora,Helse,leder,klingon\n"
    with use_locale("nn"), pytest.raises(ImportFailed) as err:
        org_import.import_people(session=session, data=bad, org_slug="alver")
    assert "linje 2: ukjent språk «klingon»" in err.value.message and "Ingenting vart importert" in err.value.message


def test_dates_in_notices_are_one_format_per_language(org, session) -> None:
    from models.services import avvik as avvik_svc

    a = avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=avvik_svc.AvvikInput(
        category="hms", description="Glatt trapp", occurred_at=datetime.now().astimezone() - timedelta(hours=1),
        probability=2, consequence=2))
    deadline = date.today() + timedelta(days=30)
    avvik_svc.add_tiltak(session=session, actor_id=org.people["leder"], avvik_id=a.id, description="Strø sand",
                         owner_id=org.people["ansatt"], deadline=deadline)
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "avvik_status")).all()
    text = json.dumps([r.payload for r in rows], ensure_ascii=False)
    assert deadline.strftime("%d.%m.%Y") in text and deadline.isoformat() not in text
