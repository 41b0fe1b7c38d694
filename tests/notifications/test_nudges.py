"""What each leader is told, exactly once per period, and the in-place refresh after acting."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from models.periods import local_date
from models.services import avvik as avvik_svc
from models.services import nudges
from models.services.avvik import AvvikInput
from models.tables import OutboxMessage
from models.tables._common import utcnow
from tests.concurrency import at_once

PERIOD = "2026-11"


def _report(session, org, unit="Oppvekst/Aurvoll skole", p=4, c=4, title="Glatt trapp"):  # type: ignore[no-untyped-def]
    return avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=AvvikInput(
        category="hms", description=f"{title} ved inngangen", title=title, occurred_at=utcnow() - timedelta(hours=1),
        probability=p, consequence=c, unit_id=org.units[unit]))


def _nudge_rows(session) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "nudge")).all())


def _actions(reply: dict) -> set[tuple[str, str]]:
    return {(a["action_id"], a["value"]) for item in reply["items"] for a in item["actions"]}


def test_leader_is_told_what_waits_with_buttons_that_act(session, org) -> None:
    low = _report(session, org, p=1, c=2, title="Manglende skilt")
    high = _report(session, org, p=4, c=5, title="Glatt trapp")
    later = utcnow() + timedelta(days=40)
    avvik_svc.add_tiltak(session=session, actor_id=org.people["leder"], avvik_id=low.id, description="Sett opp skilt",
                         owner_id=org.people["leder"], deadline=local_date(utcnow()) + timedelta(days=3))
    due = nudges.due_for_leader(session=session, person_id=org.people["leder"], now=later)
    assert due.counts == {"avvik": 2, "tiltak": 1, "sjekkpunkt": 2, "oppdrag": 1, "indikator": 0}
    assert due.avvik[0].title.endswith("Glatt trapp")  # worst risk first
    assert due.avvik[0].text == "Åpen i 40 dager"
    assert {"label": "Risiko", "value": "20 (Kritisk)"} in [f.model_dump() for f in due.avvik[0].facts]
    reply = nudges.compose(due, nudges.month_period(PERIOD)).model_dump()
    acts = _actions(reply)
    assert ("avvik.take", str(high.id)) in acts and ("avvik.close", str(high.id)) in acts
    assert ("avvik.take", str(low.id)) not in acts  # taken when the tiltak was added: only Lukk
    unit = org.units["Oppvekst/Aurvoll skole"]
    assert {("check.ja", f"{unit}:{i}") for i in org.items} <= acts
    assert ("check.nei", f"{unit}:{org.items[0]}") in acts
    assert ("oppdrag.update", "12") in acts
    assert any(a[0] == "tiltak.done" for a in acts)
    assert "2 åpne avvik" in reply["text"] and reply["title"] == "Påminnelse for november 2026"
    # Another unit's leader is not told about Aurvoll's avvik.
    other = nudges.due_for_leader(session=session, person_id=org.people["leder2"], now=later)
    assert other.counts["avvik"] == 0


def test_one_nudge_per_leader_and_rerun_adds_nothing(session, org) -> None:
    _report(session, org)
    first = nudges.run_nudges(session=session, period=PERIOD)
    assert first.enqueued == first.with_items and first.enqueued >= 3
    rows = _nudge_rows(session)
    assert {r.dedupe_key for r in rows} == {f"nudge:{PERIOD}:person-{p.person_id}" for p in first.planned}
    again = nudges.run_nudges(session=session, period=PERIOD)
    assert again.enqueued == 0 and again.already_there == first.enqueued
    assert len(_nudge_rows(session)) == len(rows)
    # admin is org-wide but not a line leader: not nudged by default
    assert org.people["admin"] not in {r.recipient_person_id for r in rows}


def test_dry_run_enqueues_nothing_and_shows_who_gets_what(session, org) -> None:
    _report(session, org)
    r = nudges.run_nudges(session=session, period=PERIOD, dry_run=True)
    assert r.enqueued == 0 and _nudge_rows(session) == []
    by_person = {p.person_id: p for p in r.planned}
    assert by_person[org.people["leder"]].counts["avvik"] == 1


def test_leader_with_nothing_due_gets_nothing_unless_all_clear_is_on(session, org) -> None:
    # Sven leads Solvang: answer his checklist and update his oppdrag, then nothing waits for him.
    from models.services import checklists, oppdrag

    for item in org.items:
        checklists.answer_check_item(session=session, actor_id=org.people["leder2"],
                                     unit_id=org.units["Oppvekst/Solvang skole"], item_id=item, answer="ja")
    oppdrag.update_oppdrag(session=session, actor_id=org.people["leder2"], number=13, progress=10)
    leder2 = org.people["leder2"]
    assert nudges.due_for_leader(session=session, person_id=leder2).total == 0
    nudges.run_nudges(session=session, period=PERIOD)
    assert leder2 not in {r.recipient_person_id for r in _nudge_rows(session)}
    nudges.run_nudges(session=session, period=PERIOD, all_clear=True)
    row = next(r for r in _nudge_rows(session) if r.recipient_person_id == leder2)
    assert row.payload["title"].startswith("Alt er à jour") and row.payload["items"] == []


def test_acting_on_a_nudge_enqueues_an_in_place_update(session, org) -> None:
    a = _report(session, org)
    leder = org.people["leder"]
    assert nudges.refresh_nudge(session=session, person_id=leder, period=PERIOD) is False  # no nudge yet
    nudges.run_nudges(session=session, period=PERIOD)
    avvik_svc.take_avvik(session=session, actor_id=leder, avvik_id=a.id)
    assert nudges.refresh_nudge(session=session, person_id=leder, period=PERIOD) is True
    session.expire_all()
    upd = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "nudge_update")).one()
    assert upd.update_of_key == f"nudge:{PERIOD}:person-{leder}" and upd.recipient_person_id == leder
    assert ("avvik.take", str(a.id)) not in _actions(upd.payload)  # the button that was used is gone
    assert ("avvik.close", str(a.id)) in _actions(upd.payload)
    assert "(Oppdatert.)" in upd.payload["text"]


def test_two_schedulers_enqueue_concurrently_and_each_leader_gets_one(engine, session, org) -> None:
    _report(session, org)

    def scheduler() -> None:
        with Session(engine) as s:
            nudges.run_nudges(session=s, period=PERIOD)

    _, errors = at_once(scheduler)
    assert errors == []
    rows = _nudge_rows(session)
    people = [r.recipient_person_id for r in rows]
    assert len(people) == len(set(people)) >= 3


def test_tiltak_past_deadline_reminds_owner_once_a_week(session, org) -> None:
    a = _report(session, org)
    avvik_svc.add_tiltak(session=session, actor_id=org.people["leder"], avvik_id=a.id, description="Strø trappa",
                         owner_id=org.people["ansatt"], deadline=local_date(utcnow()) + timedelta(days=1))
    later = utcnow() + timedelta(days=10)
    assert nudges.send_tiltak_deadline_reminders(session=session, now=later) == 1
    assert nudges.send_tiltak_deadline_reminders(session=session, now=later + timedelta(minutes=5)) == 0
    assert nudges.send_tiltak_deadline_reminders(session=session, now=later + timedelta(days=7)) == 1
    session.expire_all()
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "tiltak_reminder")).all()
    assert {r.recipient_person_id for r in rows} == {org.people["ansatt"]}
