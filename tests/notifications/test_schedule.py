"""Schedules across the 2026 DST changes, the 02:00–03:00 rule, misfire grace, coalescing and catch-up."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from models.settings import Settings
from models.tables import OutboxMessage
from notifications import jobs
from notifications.scheduler import add_jobs, catch_up_time, fire_times, is_first_weekday, parse_schedule

OSLO = ZoneInfo("Europe/Oslo")
YEAR_START, YEAR_END = datetime(2026, 1, 1, tzinfo=OSLO), datetime(2027, 1, 1, tzinfo=OSLO)


def test_monthly_nudge_fires_once_a_month_at_nine_on_the_first_working_day() -> None:
    times = list(fire_times(parse_schedule("first-weekday 09:00", "Europe/Oslo"), YEAR_START, YEAR_END))
    local = [t.astimezone(OSLO) for t in times]
    assert Counter(t.month for t in local) == {m: 1 for m in range(1, 13)}
    assert all((t.hour, t.minute) == (9, 0) for t in local)
    days = [t.date() for t in local]
    assert date(2026, 1, 2) in days  # 1 January is a holiday
    assert date(2026, 3, 2) in days  # 1 March is a Sunday
    assert date(2026, 4, 1) in days  # Easter 2026 is 5 April: 1 April is a working day
    assert date(2026, 11, 2) in days  # 1 November is a Sunday
    # UTC offset follows DST: 08:00 UTC in April (CEST), 08:00 UTC in November would be wrong
    assert local[3].utcoffset() == timedelta(hours=2) and local[10].utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("schedule", ["first-weekday 09:00", "0 8 * * mon", "first-weekday 08:00", "0 */3 * * *"])
def test_no_fire_time_between_two_and_three_across_dst(schedule: str) -> None:
    trigger = parse_schedule(schedule, "Europe/Oslo")
    for start in (datetime(2026, 3, 20, tzinfo=OSLO), datetime(2026, 10, 18, tzinfo=OSLO)):
        times = [t.astimezone(OSLO) for t in fire_times(trigger, start, start + timedelta(days=14))]
        assert all(t.hour != 2 for t in times)
        assert len(times) == len(set(times))


def test_weekly_reminder_fires_once_each_week_around_the_dst_changes() -> None:
    trigger = parse_schedule("0 8 * * mon", "Europe/Oslo")
    for start in (datetime(2026, 3, 16, tzinfo=OSLO), datetime(2026, 10, 12, tzinfo=OSLO)):
        times = [t.astimezone(OSLO) for t in fire_times(trigger, start, start + timedelta(days=28))]
        assert [t.isocalendar()[1] for t in times] == [start.isocalendar()[1] + i for i in range(4)]
        assert {(t.hour, t.minute, t.weekday()) for t in times} == {(8, 0, 0)}


@pytest.mark.parametrize("bad", ["30 2 * * *", "0 1-3 * * *", "*/20 * * * *", "first-weekday 02:30"])
def test_schedules_in_the_night_hour_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="02:00–03:00"):
        parse_schedule(bad, "Europe/Oslo")


def test_restart_at_nine_does_not_skip_the_month() -> None:
    trigger = parse_schedule("first-weekday 09:00", "Europe/Oslo")
    fire = datetime(2026, 11, 2, 9, 0, tzinfo=OSLO)
    grace = 6 * 3600
    assert catch_up_time(trigger, datetime(2026, 11, 2, 9, 0, 40, tzinfo=OSLO), grace) == fire
    assert catch_up_time(trigger, datetime(2026, 11, 2, 14, 59, tzinfo=OSLO), grace) == fire
    assert catch_up_time(trigger, datetime(2026, 11, 2, 15, 1, tzinfo=OSLO), grace) is None  # beyond the grace
    assert catch_up_time(trigger, datetime(2026, 11, 2, 8, 59, tzinfo=OSLO), grace) is None  # not due yet


def test_jobs_have_hours_of_misfire_grace_coalesce_and_catch_up() -> None:
    settings = Settings()
    scheduler = BackgroundScheduler(timezone=OSLO)
    restart = datetime(2026, 11, 2, 9, 0, 30, tzinfo=OSLO)
    noop = {name: (lambda: None) for name in ("monthly_nudge", "deadline_reminders", "summaries")}
    add_jobs(scheduler, settings, now=restart, jobs=noop)
    scheduler.start(paused=True)
    try:
        by_id = {j.id: j for j in scheduler.get_jobs()}
        assert set(by_id) == {"monthly_nudge", "deadline_reminders", "summaries"}
        for job in by_id.values():
            assert job.misfire_grace_time == 6 * 3600 and job.coalesce is True and job.max_instances == 1
        # restarted half a minute after 09:00 on the first weekday: the nudge runs now, not in December
        assert by_id["monthly_nudge"].next_run_time == datetime(2026, 11, 2, 9, 0, tzinfo=OSLO)
        assert by_id["summaries"].next_run_time == datetime(2026, 11, 2, 8, 0, tzinfo=OSLO)
    finally:
        scheduler.shutdown(wait=False)


def test_first_weekday_rule() -> None:
    assert is_first_weekday(date(2026, 6, 1)) and not is_first_weekday(date(2026, 6, 2))
    assert not is_first_weekday(date(2026, 5, 1))  # 1 May is a holiday
    assert is_first_weekday(date(2026, 5, 4))


def test_summary_periods_due() -> None:
    assert [p.key for p in jobs.due_summary_periods(datetime(2026, 12, 1, 8, tzinfo=OSLO))] == ["2026-11"]
    assert [p.key for p in jobs.due_summary_periods(datetime(2026, 9, 1, 8, tzinfo=OSLO))] == ["2026-08", "2026-T2"]
    assert [p.key for p in jobs.due_summary_periods(datetime(2027, 1, 4, 8, tzinfo=OSLO))] == ["2026-12", "2026-T3", "2026"]


def test_frozen_clock_through_2026_each_leader_one_nudge_per_month(engine, session, org) -> None:
    """Run the monthly job at every fire time from March to November, twice (two schedulers)."""
    settings = Settings()
    trigger = parse_schedule(settings.nudge_schedule, settings.tz_name)
    times = list(fire_times(trigger, datetime(2026, 3, 1, tzinfo=OSLO), datetime(2026, 12, 1, tzinfo=OSLO)))
    assert len(times) == 9
    for t in times:
        for _scheduler in range(2):
            jobs.monthly_nudge(t, engine=engine, settings=settings)
    session.expire_all()
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "nudge")).all()
    per = Counter((r.recipient_person_id, r.dedupe_key.split(":")[1]) for r in rows)
    assert set(per.values()) == {1}
    months = {m for _p, m in per}
    assert months == {f"2026-{m:02d}" for m in range(3, 12)}
    leaders = {p for p, _m in per}
    assert all(per[(p, m)] == 1 for p in leaders for m in months)


def test_runtime_starts_and_stops_scheduler_and_worker(db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    from types import SimpleNamespace

    from notifications import runtime

    monkeypatch.setenv("SCHEDULER_ENABLED", "true")
    monkeypatch.setenv("OUTBOX_WORKER_ENABLED", "true")
    settings = Settings()
    state = SimpleNamespace()

    from bot.main import build_delivery, build_jobs, build_wiring

    wiring = build_wiring(settings)
    engine = wiring.engine
    delivery = build_delivery(settings, engine, wiring.adapters)

    async def go() -> None:
        await runtime.start(settings, state, delivery=delivery, jobs=build_jobs(settings, engine))
        bg = state.trad_background
        assert {j.id for j in bg.scheduler.get_jobs()} == {"monthly_nudge", "deadline_reminders", "summaries",
                                                           "housekeeping", "governance_reminders",
                                                           "indicator_reminders"}
        assert not bg.worker.done()
        await asyncio.sleep(0.05)
        await runtime.stop(state)
        assert bg.scheduler is None and bg.worker is None and state.trad_background is None

    asyncio.run(go())
