"""Installing Tråd for people with Microsoft Graph (fake Graph over HTTPS), so the outbox can reach them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import select

from models.messages import Reply
from models.services import identity
from models.services.outbox import enqueue
from models.tables import ChatIdentity, OutboxMessage
from models.tables._common import utcnow
from tests.teams.fakes import CATALOG_ID, TENANT


@pytest.fixture
def graph_env(teams_env, monkeypatch):
    from models.settings import get_settings

    monkeypatch.setenv("TEAMS_CATALOG_APP_ID", CATALOG_ID)
    get_settings.cache_clear()
    return teams_env


def _deliver(engine, *, later: bool = False) -> None:
    from bot.teams.delivery import TeamsAdapter
    from models.settings import get_settings
    from notifications.outbox_worker import deliver_due

    adapters = {"teams": TeamsAdapter(get_settings(), engine=engine)}
    asyncio.run(deliver_due(engine, adapters, now=utcnow() + timedelta(hours=1) if later else None))


def _nudge(session, org, key: str = "leder") -> None:
    enqueue(session, dedupe_key=f"nudge:{key}", kind="nudge", payload=Reply(title="Påminnelse", text="Sjekklista"),
            recipient_person_id=org.people[key], platform="teams", org_id=org.org_id)
    session.commit()


def _row(session) -> OutboxMessage:
    session.expire_all()
    return session.exec(select(OutboxMessage)).one()


def test_unreachable_person_gets_the_app_installed_and_the_message_once(graph_env, engine, org, session):
    graph_env.state.graph_users[org.emails["leder"]] = "oid-leder"
    _nudge(session, org)
    _deliver(engine)
    row = _row(session)
    assert row.status == "delivered" and row.external_ref["conversation_id"] == "19:oid-leder_bot@unq.gbl.spaces"
    install = [c for c in graph_env.state.graph_calls if c["method"] == "POST"]
    assert install == [{"method": "POST", "path": "/users/oid-leder/teamwork/installedApps",
                        "body": {"teamsApp@odata.bind": f"{graph_env.base}/graph/v1.0/appCatalogs/teamsApps/{CATALOG_ID}"}}]
    ident = session.exec(select(ChatIdentity)).one()
    assert ident.person_id == org.people["leder"] and ident.conversation_ref["conversationId"].startswith("19:oid")
    _deliver(engine, later=True)  # nothing left to send: never doubled, no second install
    assert len([c for c in graph_env.state.activities("POST") if c["status"] == 200]) == 1
    assert len([c for c in graph_env.state.graph_calls if c["method"] == "POST"]) == 1


def test_graph_throttling_keeps_the_row_pending_then_delivers(graph_env, engine, org, session):
    graph_env.state.graph_users[org.emails["leder"]] = "oid-leder"
    graph_env.state.graph_fail_next = [(429, {"Retry-After": "5"})]
    _nudge(session, org)
    _deliver(engine)
    assert _row(session).status == "pending"
    _deliver(engine, later=True)
    assert _row(session).status == "delivered"
    assert len(graph_env.state.activities("POST")) == 1


def test_already_installed_is_not_installed_again(graph_env, engine, org, session):
    graph_env.state.graph_users[org.emails["leder"]] = "oid-leder"
    graph_env.state.graph_installed["oid-leder"] = "inst-oid-leder"
    _nudge(session, org)
    _deliver(engine)
    assert _row(session).status == "delivered"


@pytest.mark.parametrize("case", ["forbidden", "no-such-user"])
def test_forbidden_or_unknown_user_stays_unreachable(graph_env, engine, org, session, case):
    if case == "forbidden":
        graph_env.state.graph_users[org.emails["leder"]] = "oid-leder"
        graph_env.state.graph_fail_next = [(403, {})]
    _nudge(session, org)
    _deliver(engine)
    assert _row(session).status == "unreachable"
    assert graph_env.state.activities() == []


def test_without_a_catalog_id_nothing_is_installed(teams_env, engine, org, session):
    teams_env.state.graph_users[org.emails["leder"]] = "oid-leder"
    _nudge(session, org)
    _deliver(engine)
    assert _row(session).status == "unreachable"
    assert teams_env.state.graph_calls == []


def test_install_command_installs_for_leaders_skips_the_reached_and_retries_their_messages(graph_env, org, session):
    from bot.cli import main

    for key in org.people:
        graph_env.state.graph_users[org.emails[key]] = f"oid-{key}"
    _nudge(session, org)
    session.exec(select(OutboxMessage)).one().status = "unreachable"
    session.commit()
    result = CliRunner().invoke(main, ["teams", "install", "--leaders"])
    assert result.exit_code == 0, result.output
    installed = {c["path"].split("/")[2] for c in graph_env.state.graph_calls if c["method"] == "POST"}
    assert "oid-leder" in installed and "oid-ansatt" not in installed
    assert "meldinger som prøves på nytt: 1" in result.output
    assert _row(session).status == "pending"
    # a second run finds nobody left to install
    n = len(graph_env.state.graph_calls)
    again = CliRunner().invoke(main, ["teams", "install", "--leaders"])
    assert again.exit_code == 0 and "Installert for 0" in again.output
    assert graph_env.state.graph_calls[n:] == []


def test_install_command_one_person_and_missing_catalog(teams_env, org, session, monkeypatch):
    from bot.cli import main

    result = CliRunner().invoke(main, ["teams", "install", "--email", org.emails["ansatt"]])
    assert result.exit_code == 2 and "TEAMS_CATALOG_APP_ID" in result.output
    from models.settings import get_settings

    monkeypatch.setenv("TEAMS_CATALOG_APP_ID", CATALOG_ID)
    get_settings.cache_clear()
    identity.link_identity(session=session, platform="teams", workspace=TENANT, user_id="29:x",
                           email=org.emails["leder"], conversation_ref={"conversationId": "a:x"})
    session.commit()
    teams_env.state.graph_users[org.emails["ansatt"]] = "oid-ansatt"
    result = CliRunner().invoke(main, ["teams", "install", "--email", org.emails["ansatt"]])
    assert result.exit_code == 0 and "Installert for 1" in result.output


def test_installing_the_app_oneself_retries_the_unreachable_messages_once(client, teams_env, engine, org, session):
    from tests.teams.fakes import activity
    from tests.teams.test_flows import Teams

    _nudge(session, org)
    _deliver(engine)
    assert _row(session).status == "unreachable"
    t = Teams(client, teams_env, org, key="leder")
    add = activity("installationUpdate", user=t.user, conv=t.conv, service_url=teams_env.service_url, action="add")
    assert t.post(add).status_code == 200
    assert _row(session).status == "pending"
    _deliver(engine, later=True)
    row = _row(session)
    assert row.status == "delivered" and row.external_ref["conversation_id"] == t.conv
    _deliver(engine, later=True)
    nudges = [c for c in teams_env.state.activities("POST") if "Påminnelse" in str(c["body"])]
    assert len(nudges) == 1


def test_nightly_job_installs_for_leaders_when_turned_on(graph_env, engine, org, monkeypatch):
    from bot.main import build_jobs
    from models.settings import get_settings
    from notifications.scheduler import build_scheduler

    for key in org.people:
        graph_env.state.graph_users[org.emails[key]] = f"oid-{key}"
    assert "teams_auto_install" not in build_jobs(get_settings(), engine)  # off by default
    monkeypatch.setenv("TEAMS_AUTO_INSTALL", "leaders")
    get_settings.cache_clear()
    jobs = build_jobs(get_settings(), engine)
    scheduler = build_scheduler(get_settings(), jobs=jobs)
    assert scheduler.get_job("teams_auto_install") is not None
    out = jobs["teams_auto_install"]()
    assert out["installed"] >= 1 and out["failed"] == 0
    installed = {c["path"].split("/")[2] for c in graph_env.state.graph_calls if c["method"] == "POST"}
    assert "oid-leder" in installed and "oid-ansatt" not in installed


def _outbox_json() -> dict:
    import json

    from bot.cli import main

    result = CliRunner().invoke(main, ["outbox", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_trad_outbox_stops_listing_a_person_as_unreachable_once_tråd_reaches_them(graph_env, engine, org, session):
    _nudge(session, org)
    _deliver(engine)  # the leader is not in the directory yet: unreachable
    before = _outbox_json()
    assert before["counts"].get("unreachable") == 1
    assert [r["to"] for r in before["rows"] if r["status"] == "unreachable"] == [org.emails["leder"]]
    graph_env.state.graph_users[org.emails["leder"]] = "oid-leder"
    from bot.cli import main

    assert CliRunner().invoke(main, ["teams", "install", "--leaders"]).exit_code == 0
    _deliver(engine, later=True)
    after = _outbox_json()
    assert after["counts"].get("unreachable", 0) == 0
    assert [r["status"] for r in after["rows"] if r["to"] == org.emails["leder"]] == ["delivered"]


def test_graph_signs_in_as_the_entra_app_when_it_is_set(graph_env, org, session, monkeypatch):
    """With ENTRA_* set, the installer uses that app (the bot's own authority is broken here on purpose)."""
    from bot.cli import main
    from models.settings import get_settings
    from tests.teams.fakes import APP_PASSWORD

    monkeypatch.setenv("TEAMS_AUTHORITY", f"{graph_env.base}/entra/ffffffff-0000-0000-0000-000000000000")
    graph_env.state.graph_users[org.emails["ansatt"]] = "oid-ansatt"
    get_settings.cache_clear()
    failed = CliRunner().invoke(main, ["teams", "install", "--email", org.emails["ansatt"]])
    assert "Installert for 0" in failed.output and graph_env.state.graph_installed == {}
    for key, value in {"ENTRA_TENANT_ID": TENANT, "ENTRA_CLIENT_ID": "entra-directory-app",
                       "ENTRA_CLIENT_SECRET": APP_PASSWORD, "ENTRA_AUTHORITY": f"{graph_env.base}/entra/{TENANT}"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["teams", "install", "--email", org.emails["ansatt"]])
    assert result.exit_code == 0 and "Installert for 1" in result.output, result.output
    assert graph_env.state.graph_installed == {"oid-ansatt": "inst-oid-ansatt"}
