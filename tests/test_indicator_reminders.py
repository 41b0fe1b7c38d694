"""The monthly nudge lists the indicators still missing; the reminder before the deadline comes once
and is edited in place as values are checked in from chat."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.conversation.channel import ChannelUser, IncomingMessage
from bot.conversation.engine import Conversation
from models.periods import parse_period
from models.services import indicator_chat, indicator_reminders, nudges
from models.services.plan_import import import_plan
from models.tables import OutboxMessage
from tests.test_conversation_indicators import PLAN

DEC_2 = datetime(2026, 12, 2, 9, tzinfo=UTC)  # the monthly nudge (first weekday)
DEC_7 = datetime(2026, 12, 7, 9, tzinfo=UTC)  # three days before the deadline, 10 December


@pytest.fixture
def planned(session, org):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    return org


def _rows(session, kind: str) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)
                             .order_by(OutboxMessage.id)).all())


def _say(engine, org, who: str, text: str, now: datetime) -> str:
    from models.settings import get_settings
    from models.uow import UnitOfWork

    conv = Conversation(settings=get_settings(), uow=UnitOfWork(engine), now=lambda: now)
    user = ChannelUser(platform="console", workspace="test", user_id=f"U-{who}")
    replies = conv.handle_message(IncomingMessage(user=user, person_id=org.people[who], text=text))
    return "\n".join(f"{r.title or ''} {r.text}" for r in replies)


def test_deadline_is_the_tenth_after_the_period():
    assert indicator_chat.deadline(parse_period("2026-11")).isoformat() == "2026-12-10"
    assert indicator_chat.deadline(parse_period("2026-T3")).isoformat() == "2027-01-10"
    assert indicator_chat.reporting_period(DEC_7.date()).key == "2026-11"


def test_monthly_nudge_lists_the_missing_indicators(session, planned, engine):
    nudges.run_nudges(session=session, period="2026-12", now=DEC_2)
    leder = planned.people["leder"]
    (row,) = [r for r in _rows(session, "nudge") if r.recipient_person_id == leder]
    # November's two monthly ones, and the 2nd tertial's, overdue since 10 September and still missing
    assert "4 indikatorer som mangler verdi" in row.payload["text"]
    titles = [i["title"] for i in row.payload["items"]]
    assert "Indikator: Nærvær – Aurvoll skole" in titles and "Indikator: Budsjettavvik – Aurvoll skole" in titles
    assert {"label": "Indikatorer som mangler verdi", "value": "4"} in row.payload["facts"]
    # A check-in refreshes the nudge in place: three left.
    assert "Registrert" in _say(engine, planned, "leder", "nærvær november 93", DEC_2)
    (upd,) = _rows(session, "nudge_update")
    assert upd.update_of_key == row.dedupe_key and "3 indikatorer som mangler verdi" in upd.payload["text"]


def test_reminder_comes_once_before_the_deadline_and_is_updated_in_place(session, planned, engine):
    from models.settings import get_settings

    settings = get_settings()
    assert indicator_reminders.indicator_reminder_job(DEC_2, engine=engine, settings=settings) == {"sent": 0}
    assert indicator_reminders.indicator_reminder_job(DEC_7, engine=engine, settings=settings) == {"sent": 3}
    assert indicator_reminders.send_reminders(session=session, now=DEC_7) == 0  # rerun: nothing new
    assert indicator_reminders.send_reminders(session=session, now=datetime(2026, 12, 8, 9, tzinfo=UTC)) == 0
    rows = _rows(session, "indicator_reminder")
    leder = planned.people["leder"]
    assert sorted(r.recipient_person_id for r in rows) == sorted(
        planned.people[k] for k in ("leder", "leder2", "hjemmeleder"))
    (mine,) = [r for r in rows if r.recipient_person_id == leder]
    assert mine.dedupe_key == f"indicator_reminder:2026-11:person-{leder}"
    assert mine.payload["title"] == "Indikatorer som venter – frist 10.12.2026"
    assert [i["title"] for i in mine.payload["items"]] == [  # the 2nd tertial's is overdue and still missing
        "Nærvær – Aurvoll skole", "Sykefravær – Aurvoll skole", "Budsjettavvik – Aurvoll skole",
        "Brukertilfredshet – Aurvoll skole"]
    _say(engine, planned, "leder", "nærvær 93,4", DEC_7)  # no period: November
    (upd,) = _rows(session, "indicator_reminder_update")
    assert upd.update_of_key == mine.dedupe_key and upd.recipient_person_id == leder
    assert len(upd.payload["items"]) == 3 and "(Oppdatert.)" in upd.payload["text"]
    _say(engine, planned, "leder", "registrer indikatorer", DEC_7)
    _say(engine, planned, "leder", "6,5", DEC_7)
    _say(engine, planned, "leder", "0", DEC_7)
    _say(engine, planned, "leder", "4,6", DEC_7)
    last = _rows(session, "indicator_reminder_update")[-1]
    assert last.payload["title"] == "Indikatorer for november 2026: alt er registrert"
    assert len(_rows(session, "indicator_reminder")) == 3  # the reminder itself was never sent twice
    # Nobody else's reminder was touched.
    assert {r.recipient_person_id for r in _rows(session, "indicator_reminder_update")} == {leder}
