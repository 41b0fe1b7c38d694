"""A Slack avvik report is kept at the ack and registered by the background (issue 15: the ack's floor).

What a reporter must be able to rely on: an acknowledged report is never lost, never doubled, and
one the kommune cannot register any more comes back to them with their own words.
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from sqlmodel import Session, select

from models.tables import Avvik, OutboxMessage, ReportInbox, Unit
from notifications.inbox_worker import register_waiting
from tests.slack.conftest import SlackDriver
from tests.slack.test_slack_flows import avvik_values, count, open_avvik_modal, submit_avvik

pytestmark = pytest.mark.anyio


async def test_a_crash_after_the_ack_loses_nothing_and_a_restart_registers_it_once(slack: SlackDriver,
                                                                                  engine) -> None:
    view = await open_avvik_modal(slack)
    shown = await submit_avvik(slack, view, avvik_values(view, description="Kran lekker i kjøkkenet"),
                               view_id="VCRASH", background=False)
    assert "Avviket ditt er mottatt" in json.dumps(shown, ensure_ascii=False)
    # the server died before its background ran: the report is on disk, nothing else yet
    assert count(engine, ReportInbox) == 1 and count(engine, Avvik) == 0 and count(engine, OutboxMessage) == 0
    # Slack resends the same view (its retry after a lost answer): still one report waiting
    await submit_avvik(slack, view, avvik_values(view, description="Kran lekker i kjøkkenet"), view_id="VCRASH",
                       background=False)
    assert count(engine, ReportInbox) == 1
    # the restarted background registers it, once, however often it runs
    assert register_waiting(engine) == 1 and register_waiting(engine) == 0
    with Session(engine) as s:
        (a,) = s.exec(select(Avvik)).all()
        assert a.number == 1 and a.description == "Kran lekker i kjøkkenet"
        assert sorted(o.kind for o in s.exec(select(OutboxMessage)).all()) == ["avvik_new", "avvik_receipt"]
    assert count(engine, ReportInbox) == 0  # the person's words are not kept twice


async def test_a_resubmission_after_registration_is_the_same_case(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view), view_id="VTWICE")
    await submit_avvik(slack, view, avvik_values(view), view_id="VTWICE")  # a double click, later
    assert count(engine, Avvik) == 1 and count(engine, ReportInbox) == 0
    with Session(engine) as s:
        assert len(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "avvik_receipt")).all()) == 1


async def test_a_report_the_kommune_cannot_take_any_more_comes_back_with_the_reporters_words(
        slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    unit_id = slack.org.units["Oppvekst/Aurvoll skole"]
    await submit_avvik(slack, view, avvik_values(view, unit_id=str(unit_id), description="Brannalarmen piper"),
                       view_id="VCLOSED", background=False)
    with Session(engine) as s:  # the unit is closed between the ack and the registration
        unit = s.get(Unit, unit_id)
        assert unit is not None
        unit.active = False
        s.add(unit)
        s.commit()
    assert register_waiting(engine) == 1
    assert count(engine, Avvik) == 0 and count(engine, ReportInbox) == 0
    with Session(engine) as s:
        (msg,) = s.exec(select(OutboxMessage)).all()
    assert msg.kind == "report_refused" and msg.recipient_person_id == slack.org.people["ansatt"]
    text = json.dumps(msg.payload, ensure_ascii=False)
    assert "ikke registrert" in text and "Brannalarmen piper" in text and "/avvik" in text


async def test_a_unit_outside_the_kommune_is_refused_before_anything_is_kept(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    r = await slack.submit("ansatt", view, avvik_values(view, unit_id="999999"), view_id="VOUT", background=False)
    assert r.json()["response_action"] == "errors" and "unit_id" in r.json()["errors"]
    assert count(engine, ReportInbox) == 0


async def test_two_background_processes_register_each_report_once(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    for i in range(12):
        await submit_avvik(slack, view, avvik_values(view, description=f"Rapport nummer {i}"), view_id=f"VPAR{i}",
                           background=False)
    done: list[int] = []
    threads = [threading.Thread(target=lambda: done.append(register_waiting(engine))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(done) == 12
    with Session(engine) as s:
        numbers = sorted(a.number for a in s.exec(select(Avvik)).all())
    assert numbers == list(range(1, 13)) and count(engine, ReportInbox) == 0


async def test_a_server_that_registers_reports_itself_keeps_at_the_ack_and_its_inbox_registers_at_once(
        slack_env, org, engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """`trad serve` with its outbox worker inside (the embedded default): the modal answers from the kept
    row, and the process's own inbox worker makes it a case with a receipt within its poll."""
    from notifications.inbox_worker import run_inbox

    slack, view = await _served_modal(slack_env, org, monkeypatch)
    stop = asyncio.Event()
    inbox = asyncio.create_task(run_inbox(engine, stop, poll_s=0.05))
    try:
        shown = await submit_avvik(slack, view, avvik_values(view), view_id="VSYNC", background=False)
        assert "Avviket ditt er mottatt" in json.dumps(shown, ensure_ascii=False)
        await _until_a_case(engine)
    finally:
        stop.set()
        await inbox
    assert count(engine, Avvik) == 1 and count(engine, ReportInbox) == 0
    with Session(engine) as s:
        assert [o.kind for o in s.exec(select(OutboxMessage).where(OutboxMessage.kind == "avvik_receipt")).all()] \
            == ["avvik_receipt"]


async def test_a_kept_report_wakes_the_inbox_at_once_rather_than_at_its_next_poll(
        slack_env, org, engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The worker's poll is set to 30 s here: only the report's own signal can make it a case this soon.
    Why it matters: reports found together at a poll were registered back to back, holding SQLite's
    writers' lock while the next requests waited for it."""
    from notifications.inbox_worker import run_inbox

    slack, view = await _served_modal(slack_env, org, monkeypatch)
    stop = asyncio.Event()
    inbox = asyncio.create_task(run_inbox(engine, stop, poll_s=30.0))
    await asyncio.sleep(0.2)  # it has looked once and waits
    try:
        await submit_avvik(slack, view, avvik_values(view), view_id="VWAKE", background=False)
        await _until_a_case(engine)
        assert count(engine, Avvik) == 1 and count(engine, ReportInbox) == 0
    finally:
        stop.set()
        await asyncio.wait_for(inbox, 5)  # and `stop` still ends its wait at once


async def _served_modal(slack_env, org, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The served app with its outbox worker on (the embedded default) and an open avvik modal."""
    from bot.main import create_app
    from models.settings import get_settings

    monkeypatch.setenv("OUTBOX_WORKER_ENABLED", "true")
    get_settings.cache_clear()
    slack = SlackDriver(create_app(get_settings()), slack_env, org)
    return slack, await open_avvik_modal(slack)


async def _until_a_case(engine) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):  # up to 2 s
        if count(engine, Avvik):
            return
        await asyncio.sleep(0.02)
