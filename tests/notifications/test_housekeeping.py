"""The daily housekeeping job: expired sign-in links and old inbound-event ids go; nothing current does."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from models.services import inbound, web_auth
from models.settings import get_settings
from models.tables import InboundEvent
from models.tables.web_auth import WebLoginToken
from notifications.jobs import housekeeping
from notifications.scheduler import build_scheduler, fire_times


def test_housekeeping_removes_only_what_has_expired(engine, session, org):
    now = datetime.now(UTC)
    assert inbound.claim_event(session=session, platform="slack", event_id="Ev-old")
    assert inbound.claim_event(session=session, platform="slack", event_id="Ev-new")
    old = session.exec(select(InboundEvent).where(InboundEvent.event_id == "Ev-old")).one()
    old.received_at = now - timedelta(days=3)
    session.add(old)
    session.commit()
    web_auth.issue_link(session=session, person_id=org.people["ansatt"], public_base_url="http://x",
                        now=now - timedelta(days=2))
    web_auth.issue_link(session=session, person_id=org.people["leder"], public_base_url="http://x", now=now)
    out = housekeeping(now, engine=engine, settings=get_settings())
    assert out["inbound"] == 1 and out["web"] >= 1
    assert [e.event_id for e in session.exec(select(InboundEvent)).all()] == ["Ev-new"]
    assert [t.person_id for t in session.exec(select(WebLoginToken)).all()] == [org.people["leder"]]
    # a redelivery of a pruned event id (days later) is simply processed as new
    assert inbound.claim_event(session=session, platform="slack", event_id="Ev-old")


def test_housekeeping_is_scheduled_daily_outside_the_dst_hour(engine):
    from bot.main import build_jobs

    scheduler = build_scheduler(get_settings(), jobs=build_jobs(get_settings(), engine))
    job = scheduler.get_job("housekeeping")
    start = datetime(2026, 10, 20, tzinfo=UTC)
    times = list(fire_times(job.trigger, start, start + timedelta(days=10)))
    assert len(times) == 10
    assert all(t.astimezone(job.trigger.timezone).hour == 4 for t in times)
