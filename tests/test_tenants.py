"""Kommuner as tenants from the command line, their own settings over the environment, and their own times."""

from __future__ import annotations

from click.testing import CliRunner
from sqlmodel import Session

from bot.cli import main
from models.services import tenants
from models.settings import Settings


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_create_list_set_and_a_wrong_org_everywhere(db_url, session):  # type: ignore[no-untyped-def]
    r = run("org", "create", "--slug", "alver", "--name", "Alver kommune", "--locale", "nn")
    assert r.exit_code == 0 and "/k/alver/" in r.output, r.output
    assert run("org", "create", "--slug", "alver", "--name", "Igjen").exit_code == 2
    assert run("org", "create", "--slug", "Ikke gyldig", "--name", "X").exit_code == 2
    run("org", "create", "--slug", "bjorn", "--name", "Bjørnafjorden kommune")
    listed = run("org", "list").output
    assert "alver  nn  Alver kommune" in listed and "Bjørnafjorden kommune" in listed
    r = run("org", "set", "--org", "alver", "--nudge-schedule", "first-weekday 10:30", "--slack-leadership-channel", "C1")
    assert r.exit_code == 0, r.output
    assert run("org", "set", "--org", "alver", "--nudge-schedule", "30 2 * * *").exit_code == 2  # the DST hour
    assert run("org", "set", "--org", "alver", "--locale", "de").exit_code == 2
    shown = run("org", "show", "--org", "alver").output
    assert "nudge_schedule = first-weekday 10:30  [egen]" in shown and "summary_schedule = first-weekday 08:00  [miljø]" in shown
    for args in (["summary", "--period", "2026-11"], ["nudge", "--period", "2026-11", "--dry-run"],
                 ["oppdrag", "export", "--out", "x.csv"], ["web", "link", "--as", "a@b.no"],
                 ["rapport", "tertial", "--period", "2026-T3"], ["org", "show"], ["chat", "--as", "a@b.no"]):
        r = CliRunner().invoke(main, [*args, "--org", "finnesikke"])
        assert r.exit_code == 2 and "finnesikke" in r.output and "alver, bjorn" in r.output, (args, r.output)


def test_settings_for_falls_back_to_the_environment(session: Session):  # type: ignore[no-untyped-def]
    env = Settings(SLACK_LEADERSHIP_CHANNEL="CENV", DEFAULT_LOCALE="nb", NUDGE_SCHEDULE="first-weekday 09:00")
    a = tenants.create_org(session=session, slug="alver", name="Alver kommune", locale="nn")
    b = tenants.create_org(session=session, slug="bjorn", name="Bjørnafjorden kommune")
    tenants.set_settings(session=session, org_id=a.id, values={"slack_leadership_channel": "CALVER",
                                                              "varsling_alternative_contact": "Kontrollutvalet i Alver"})
    own, other = tenants.settings_for(session, a.id, env), tenants.settings_for(session, b.id, env)
    assert (own.locale, own.leadership_targets(), own.varsling_alternative_contact) == \
        ("nn", [("slack", "CALVER")], "Kontrollutvalet i Alver")
    assert (other.locale, other.leadership_targets(), other.nudge_schedule) == ("nb", [("slack", "CENV")], "first-weekday 09:00")
    assert tenants.org_locale(session, a.id, env) == "nn"
    tenants.set_settings(session=session, org_id=a.id, values={"slack_leadership_channel": ""})  # back to the default
    assert tenants.settings_for(session, a.id, env).leadership_targets() == [("slack", "CENV")]
    hosts = Settings(PUBLIC_BASE_URL="https://trad.example", TRAD_ORG="bjorn", TENANT_HOSTS="alver=varsling.alver.no")
    assert tenants.base_url_for("alver", hosts) == "https://varsling.alver.no"
    assert tenants.base_url_for("bjorn", hosts) == "https://trad.example"
    assert tenants.base_url_for("voss", hosts) == "https://trad.example/k/voss"


def test_each_kommune_is_nudged_at_its_own_time(engine, session):  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.main import build_jobs
    from notifications.scheduler import build_scheduler

    a = tenants.create_org(session=session, slug="alver", name="Alver kommune")
    b = tenants.create_org(session=session, slug="bjorn", name="Bjørnafjorden kommune")
    tenants.set_settings(session=session, org_id=a.id, values={"nudge_schedule": "first-weekday 10:30"})
    settings = Settings(DATABASE_URL=str(engine.url), NUDGE_SCHEDULE="first-weekday 09:00")
    jobs = build_jobs(settings, engine)
    assert jobs["monthly_nudge"].keywords["skip"] == frozenset({a.id})  # type: ignore[attr-defined]
    assert jobs["monthly_nudge@alver"].keywords["only"] == a.id  # type: ignore[attr-defined]
    assert "monthly_nudge@bjorn" not in jobs and b.id not in jobs["monthly_nudge"].keywords["skip"]  # type: ignore[attr-defined]
    tz = ZoneInfo("Europe/Oslo")
    scheduler = build_scheduler(settings, jobs=jobs, now=datetime(2026, 11, 15, tzinfo=tz))
    shared = scheduler.get_job("monthly_nudge").trigger.get_next_fire_time(None, datetime(2026, 11, 15, tzinfo=tz))
    own = scheduler.get_job("monthly_nudge@alver").trigger.get_next_fire_time(None, datetime(2026, 11, 15, tzinfo=tz))
    assert (shared.hour, shared.minute, own.hour, own.minute) == (9, 0, 10, 30)


def test_each_kommune_is_reminded_at_its_own_time(engine, session):  # type: ignore[no-untyped-def]
    """Issue 13, «schedules' times» per kommune: the reminder jobs too (deadlines, governance, indicators).
    A kommune's own job reminds only its own people at its time; the shared job all the others."""
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import select

    from bot.main import build_jobs
    from models.services import risk as risk_svc
    from models.tables import OutboxMessage
    from notifications.scheduler import build_scheduler
    from tests.factories import make_test_org

    orgs = {slug: make_test_org(session, slug=slug) for slug in ("alver", "bjorn")}
    session.commit()
    own = {"deadline_reminder_schedule": "0 9 * * tue", "governance_reminder_schedule": "0 6 * * *",
           "indicator_reminder_schedule": "30 7 * * *"}
    r = run("org", "set", "--org", "alver", *[a for k, v in own.items() for a in (f"--{k.replace('_', '-')}", v)])
    assert r.exit_code == 0, r.output
    assert run("org", "set", "--org", "alver", "--governance-reminder-schedule", "15 2 * * *").exit_code == 2
    shown = run("org", "show", "--org", "alver").output
    assert "governance_reminder_schedule = 0 6 * * *  [egen]" in shown
    assert "indicator_reminder_schedule = 0 8 * * *  [miljø]" in run("org", "show", "--org", "bjorn").output

    settings = Settings(DATABASE_URL=str(engine.url))
    jobs = build_jobs(settings, engine)
    a, b = orgs["alver"].org_id, orgs["bjorn"].org_id
    for job in ("deadline_reminders", "governance_reminders", "indicator_reminders"):
        assert jobs[job].keywords["skip"] == frozenset({a})  # type: ignore[attr-defined]
        assert jobs[f"{job}@alver"].keywords["only"] == a  # type: ignore[attr-defined]
        assert f"{job}@bjorn" not in jobs
    assert "housekeeping@alver" not in jobs  # the installation's own work keeps the environment's time
    tz = ZoneInfo("Europe/Oslo")
    start = datetime(2026, 11, 16, 12, tzinfo=tz)  # a Monday
    scheduler = build_scheduler(settings, jobs=jobs, now=start)

    def next_at(job_id: str) -> tuple[int, int, int]:
        t = scheduler.get_job(job_id).trigger.get_next_fire_time(None, start)
        return t.weekday(), t.hour, t.minute

    assert next_at("governance_reminders@alver")[1:] == (6, 0) and next_at("governance_reminders")[1:] == (7, 15)
    assert next_at("indicator_reminders@alver")[1:] == (7, 30) and next_at("indicator_reminders")[1:] == (8, 0)
    assert next_at("deadline_reminders@alver") == (1, 9, 0) and next_at("deadline_reminders") == (0, 8, 0)

    for t in orgs.values():  # a risk due for review in each kommune
        risk_svc.add_risk(session=session, actor_id=t.people["leder"], data=risk_svc.RiskInput(
            title="Datatap", description="Elevdata på avveie", probability_before=2, consequence_before=4,
            treatment="reduce", review_date=date.today() + timedelta(days=3), owner_id=t.people["leder"]))

    def reminded() -> set[int]:
        session.expire_all()
        return {m.org_id for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_review")).all()}

    assert jobs["governance_reminders"]()["risk_review"] == 1
    assert reminded() == {b}  # the shared time: every kommune but alver
    assert jobs["governance_reminders@alver"]()["risk_review"] == 1
    assert reminded() == {a, b}
