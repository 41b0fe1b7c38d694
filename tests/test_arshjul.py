"""Årshjul: admin-only set-up, the year view, reminders at the lead time once, and the private .ics feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from models.errors import PermissionDenied, ValidationFailed
from models.services import arshjul as svc
from models.services import calendar_feed as feed
from models.services import governance_reminders as rem
from models.services import risk as risk_svc
from models.tables import ArshjulActivity, CalendarFeedToken, OutboxMessage, PersonRole


def _act(**kw):
    base = dict(title="Tertialrapport 1", on_date=date(2026, 5, 15), responsible_role="leder", lead_days=10,
                kind="tertialrapport")
    base.update(kw)
    return svc.ActivityInput(**base)


def _at(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=8)


def test_only_admins_set_up_the_arshjul_and_bad_input_is_refused(session, org):
    with pytest.raises(PermissionDenied):
        svc.add_activity(session=session, actor_id=org.people["leder"], data=_act())
    with pytest.raises(ValidationFailed) as e:
        svc.add_activity(session=session, actor_id=org.people["admin"],
                         data=_act(title="", responsible_role="vaktmester", lead_days=400, unit_id=999_999))
    assert set(e.value.errors) == {"title", "responsible_role", "lead_days", "unit_id"}
    assert session.exec(select(ArshjulActivity)).all() == []


def test_year_view_marks_what_is_mine(session, org):
    svc.add_activity(session=session, actor_id=org.people["admin"], data=_act())
    svc.add_activity(session=session, actor_id=org.people["admin"],
                     data=_act(title="Budsjettinnspill", on_date=date(2026, 2, 1), responsible_role="kommunalsjef",
                               kind="budsjett", yearly=False))
    svc.add_activity(session=session, actor_id=org.people["direktor"],
                     data=_act(title="Skolenes ROS", on_date=date(2024, 2, 29), responsible_role="leder", kind="ros",
                               unit_id=org.units["Oppvekst"]))
    view = svc.year_view(session=session, actor_id=org.people["hjemmeleder"], year=2026)
    assert [(e.on, e.title, e.mine) for e in view] == [
        (date(2026, 2, 1), "Budsjettinnspill", False), (date(2026, 2, 28), "Skolenes ROS", False),
        (date(2026, 5, 15), "Tertialrapport 1", True)]
    assert [e.mine for e in svc.year_view(session=session, actor_id=org.people["leder"], year=2026)] == [False, True, True]
    assert [e.title for e in svc.year_view(session=session, actor_id=org.people["ansatt"], year=2027)] == [
        "Skolenes ROS", "Tertialrapport 1"]  # the one-off budget date was 2026 only


def test_reminders_at_lead_time_once_per_occurrence_and_person(session, org):
    act = svc.add_activity(session=session, actor_id=org.people["admin"], data=_act(unit_id=org.units["Oppvekst"]))
    assert rem.send_arshjul_reminders(session=session, now=_at(date(2026, 5, 4))) == 0  # 11 days before
    assert rem.send_arshjul_reminders(session=session, now=_at(date(2026, 5, 5))) == 2  # the two school leaders
    assert rem.send_arshjul_reminders(session=session, now=_at(date(2026, 5, 14))) == 0
    msgs = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "arshjul_reminder")).all()
    assert {m.recipient_person_id for m in msgs} == {org.people["leder"], org.people["leder2"]}
    assert msgs[0].payload["title"] == "Årshjul: Tertialrapport 1 15.05.2026"
    assert rem.send_arshjul_reminders(session=session, now=_at(date(2027, 5, 6))) == 2  # next year's occurrence
    svc.remove_activity(session=session, actor_id=org.people["admin"], activity_id=act.id)
    assert rem.send_arshjul_reminders(session=session, now=_at(date(2028, 5, 6))) == 0


def test_risk_review_reminder_once_per_review_date(session, org):
    soon = date.today() + timedelta(days=5)
    r = risk_svc.add_risk(session=session, actor_id=org.people["leder"], data=risk_svc.RiskInput(
        title="Datatap", description="Elevdata på avveie", probability_before=2, consequence_before=4,
        treatment="reduce", review_date=soon, owner_id=org.people["leder"]))
    assert rem.send_risk_review_reminders(session=session) == 1
    assert rem.send_risk_review_reminders(session=session) == 0
    risk_svc.review_risk(session=session, actor_id=org.people["leder"], risk_id=r.id, next_review=soon + timedelta(days=1))
    assert rem.send_all(session=session) == {"risk_review": 1, "tilsyn_deadline": 0, "arshjul": 0}
    msg = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_review")).first()
    assert msg.recipient_person_id == org.people["leder"] and msg.payload["actions"][0]["action_id"] == "risk.review"


def test_ics_feed_shows_only_my_deadlines_and_stops_when_revoked(session, org):
    svc.add_activity(session=session, actor_id=org.people["admin"], data=_act())
    svc.add_activity(session=session, actor_id=org.people["admin"],
                     data=_act(title="Direktørens gjennomgang", responsible_role="kommunedirektør"))
    risk = risk_svc.add_risk(session=session, actor_id=org.people["leder"], data=risk_svc.RiskInput(
        title="Datatap", description="Elevdata på avveie", probability_before=2, consequence_before=4,
        treatment="reduce", review_date=date.today() + timedelta(days=30)))
    risk_svc.add_risk_tiltak(session=session, actor_id=org.people["leder"], risk_id=risk.id, description="Tofaktor",
                             deadline=date.today() + timedelta(days=20), owner_id=org.people["ansatt"])
    token = feed.create_feed_token(session=session, actor_id=org.people["leder"])
    assert len(token) >= 40
    assert session.exec(select(CalendarFeedToken.token_hash)).one() != token  # only the hash is stored
    cal = Calendar.from_ical(feed.feed_for_token(session=session, token=token))
    summaries = sorted(str(e.get("summary")) for e in cal.walk("VEVENT"))
    year = date.today().year
    assert summaries.count("Årshjul: Tertialrapport 1") == 2  # this year and next
    assert "ROS-gjennomgang RO-1: Datatap" in summaries
    assert not any("Direktørens" in s or "Tiltak i RO-1" in s for s in summaries)  # not the leader's
    assert any(e.get("dtstart").dt == date(year, 5, 15) for e in cal.walk("VEVENT"))
    other = feed.create_feed_token(session=session, actor_id=org.people["ansatt"])
    theirs = Calendar.from_ical(feed.feed_for_token(session=session, token=other))
    assert [str(e.get("summary")) for e in theirs.walk("VEVENT")] == ["Tiltak i RO-1"]
    assert feed.revoke_feed_token(session=session, actor_id=org.people["leder"]) == 1
    assert feed.feed_for_token(session=session, token=token) is None
    assert feed.feed_for_token(session=session, token="gjettet-token") is None
    assert feed.feed_for_token(session=session, token=other) is not None


def test_new_token_replaces_the_old_and_only_admins_revoke_others(session, org):
    first = feed.create_feed_token(session=session, actor_id=org.people["leder"])
    second = feed.create_feed_token(session=session, actor_id=org.people["leder"])
    assert feed.feed_for_token(session=session, token=first) is None
    assert feed.feed_for_token(session=session, token=second) is not None
    with pytest.raises(PermissionDenied):
        feed.revoke_feed_token(session=session, actor_id=org.people["leder2"], person_id=org.people["leder"])
    assert feed.revoke_feed_token(session=session, actor_id=org.people["admin"], person_id=org.people["leder"]) == 1
    assert feed.feed_for_token(session=session, token=second) is None


def test_role_holder_with_unit_limited_activity(session, org):
    svc.add_activity(session=session, actor_id=org.people["admin"],
                     data=_act(title="Helse-ROS", responsible_role="leder", unit_id=org.units["Helse og omsorg"]))
    act = session.exec(select(ArshjulActivity)).one()
    assert svc.responsible_people(session, act) == [org.people["hjemmeleder"]]
    session.add(PersonRole(org_id=org.org_id, person_id=org.people["leder2"], role="leder",
                           unit_id=org.units["Helse og omsorg/Institusjonstjenester"]))
    session.commit()
    assert svc.responsible_people(session, act) == sorted([org.people["hjemmeleder"], org.people["leder2"]])
