"""APScheduler 3.x set-up: the schedules, their triggers, and the rules that keep them safe.

Why these rules:
- Times are local (Europe/Oslo by default) so «09:00» stays 09:00 across DST.
- Nothing may fire between 02:00 and 03:00 local: on the autumn fall-back day that hour
  happens twice (a job would run twice), and in spring it does not exist (skipped).
- APScheduler's default misfire grace is one second, so a monthly job missed by a
  restart would be skipped silently. We use hours, `coalesce=True`, and at start-up
  schedule a job whose latest fire time lies within the grace window to run at once.
  The jobs are idempotent (outbox dedupe keys), so running one twice is harmless.
- A 3.x job store cannot be shared between processes: run one scheduler (in the server,
  or `trad scheduler` when the server has several workers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from models import foreground
from models.settings import Settings

FORBIDDEN_HOUR = 2  # 02:00–02:59 local happens twice or never on DST change days


def easter_sunday(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    rest = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * rest) // 451
    month = (h + rest - 7 * m + 114) // 31
    day = (h + rest - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def norwegian_holidays(year: int) -> set[date]:
    """Public holidays (helligdager) that can fall in the first days of a month."""
    easter = easter_sunday(year)
    moving = {easter + timedelta(days=n) for n in (-3, -2, 1, 39, 50)}  # skjærtorsdag … 2. pinsedag
    fixed = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25), date(year, 12, 26)}
    return moving | fixed


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in norwegian_holidays(d.year)


def is_first_weekday(d: date) -> bool:
    """The month's first working day (Mon–Fri, not a public holiday)."""
    return is_working_day(d) and not any(is_working_day(date(d.year, d.month, k)) for k in range(1, d.day))


class FirstWeekdayTrigger(BaseTrigger):
    """Fires at HH:MM local on the first working day of each month."""

    def __init__(self, hour: int, minute: int, timezone: str) -> None:
        self.hour, self.minute, self.timezone = hour, minute, ZoneInfo(timezone)
        self._inner = CronTrigger(day="1-8", day_of_week="mon-fri", hour=hour, minute=minute, timezone=self.timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        t = self._inner.get_next_fire_time(previous_fire_time, now)
        while t is not None and not is_first_weekday(t.date()):
            t = self._inner.get_next_fire_time(t, t)
        return t

    def __str__(self) -> str:
        return f"first-weekday {self.hour:02d}:{self.minute:02d}"

    def __repr__(self) -> str:
        return f"<FirstWeekdayTrigger ({self})>"


def parse_schedule(text: str, tz: str) -> BaseTrigger:
    """"first-weekday HH:MM", or a 5-field crontab ("0 8 * * mon"), in local time. Refuses 02:00–03:00."""
    t = (text or "").strip()
    if t.lower().startswith("first-weekday"):
        hhmm = t.split(None, 1)[1] if " " in t else "09:00"
        hh, _, mm = hhmm.partition(":")
        trigger: BaseTrigger = FirstWeekdayTrigger(int(hh), int(mm or 0), tz)
    else:
        trigger = CronTrigger.from_crontab(t, timezone=ZoneInfo(tz))
    check_safe(trigger, tz, name=t)
    return trigger


def fire_times(trigger: BaseTrigger, start: datetime, end: datetime, *, max_count: int = 5000) -> Iterator[datetime]:
    """The trigger's fire times in [start, end), as APScheduler computes them."""
    t = trigger.get_next_fire_time(None, start)
    n = 0
    while t is not None and t < end and n < max_count:
        yield t
        n += 1
        t = trigger.get_next_fire_time(t, t)


def check_safe(trigger: BaseTrigger, tz: str, *, name: str = "", start: datetime | None = None) -> None:
    """Raise ValueError if the schedule can fire between 02:00 and 03:00 local time (checked over two years)."""
    zone = ZoneInfo(tz)
    start = start or datetime.now(zone)
    for t in fire_times(trigger, start, start + timedelta(days=731), max_count=2000):
        if t.astimezone(zone).hour == FORBIDDEN_HOUR:
            raise ValueError(f"Tidsplanen «{name}» treffer 02:00–03:00 lokal tid ({t:%d.%m.%Y %H:%M}), "
                             "som finnes to ganger eller ikke i det hele tatt når sommertiden skifter. Velg et annet klokkeslett.")


def catch_up_time(trigger: BaseTrigger, now: datetime, grace_s: float) -> datetime | None:
    """The latest fire time within the grace window before `now`, if any: run it at start-up.

    This is what keeps a restart at 09:00:30 on the first weekday from skipping the month.
    """
    last = None
    for t in fire_times(trigger, now - timedelta(seconds=grace_s), now + timedelta(microseconds=1), max_count=10_000):
        last = t
    return last


JOB_DEFAULTS = {"coalesce": True, "max_instances": 1}


SCHEDULES = {"monthly_nudge": "nudge_schedule", "deadline_reminders": "deadline_reminder_schedule",
             "summaries": "summary_schedule", "housekeeping": "housekeeping_schedule",
             "governance_reminders": "governance_reminder_schedule",
             "indicator_reminders": "indicator_reminder_schedule",
             "teams_auto_install": "teams_auto_install_schedule", "entra_sync": "entra_sync_schedule"}  # job id -> Settings field


def add_jobs(scheduler: BaseScheduler, settings: Settings, *, jobs: Mapping[str, Callable[[], Any]],
             now: datetime | None = None) -> list[str]:
    """Register the given jobs (the root's `bot.main.build_jobs`) with grace, coalescing and catch-up.

    Each job id is scheduled by its setting in `SCHEDULES` (NUDGE_SCHEDULE …).
    """
    tz = settings.tz_name
    grace = int(settings.scheduler_misfire_hours * 3600)
    now = now or datetime.now(ZoneInfo(tz))
    added = []
    for job_id, func in jobs.items():
        # A kommune's own job (`monthly_nudge@alver`) carries its time (notifications.tenant_schedules).
        own = getattr(func, "trad_schedule", None)
        trigger = parse_schedule(own or getattr(settings, SCHEDULES[job_id.partition("@")[0]]), tz)
        extra: dict[str, Any] = {}
        first = catch_up_time(trigger, now, grace)
        if first is not None:
            extra["next_run_time"] = first
        scheduler.add_job(func, trigger=trigger, id=job_id, name=job_id, replace_existing=True,
                          misfire_grace_time=grace, **JOB_DEFAULTS, **extra)
        added.append(job_id)
    return added


def build_scheduler(settings: Settings, *, jobs: Mapping[str, Callable[[], Any]],
                    now: datetime | None = None) -> BaseScheduler:
    """An AsyncIOScheduler in the municipality's time zone with the given jobs added (not started)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    # A thread of their own for the jobs (not the event loop's default executor, which runs the
    # outbox's and the report inbox's database work): a long fan-out never takes those threads. The
    # thread is background work, which gives way to requests in flight (models.foreground).
    pool = ThreadPoolExecutor(1, pool_kwargs={"initializer": foreground.mark_thread_background, "thread_name_prefix": "trad-jobs"})
    scheduler = AsyncIOScheduler(timezone=ZoneInfo(settings.tz_name), executors={"default": pool},
                                 job_defaults={**JOB_DEFAULTS, "misfire_grace_time": int(settings.scheduler_misfire_hours * 3600)})
    add_jobs(scheduler, settings, jobs=jobs, now=now)
    return scheduler
