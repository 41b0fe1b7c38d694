"""Posting exactly once per period and channel, and the `trad summary` command in every format."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from sqlmodel import select

from models.messages import Reply
from models.settings import get_settings
from models.tables import OutboxMessage
from reports.posting import enqueue_summary, summary_targets
from reports.summary import Summary
from tests.reports.dataset import build_dataset


@pytest.fixture
def data(session, org):
    build_dataset(session, org)
    return org


def _rows(session):
    session.expire_all()
    return session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _post(session, org_id, period_key):
    """As the scheduler does: the targets and time zone from the settings of the moment."""
    settings = get_settings()
    return enqueue_summary(session=session, org_id=org_id, period_key=period_key,
                           targets=summary_targets(settings), tz_name=settings.tz_name)


def test_demo_mode_posts_to_console_once(session, data):
    assert _post(session, data.org_id, "2026-11") is True
    assert _post(session, data.org_id, "2026-11") is False
    rows = _rows(session)
    assert len(rows) == 1
    row = rows[0]
    assert (row.platform, row.target, row.kind, row.status) == ("console", "ledelse", "summary", "pending")
    assert row.dedupe_key == f"summary:2026-11:console:org{data.org_id}"
    reply = Reply.model_validate(row.payload)
    assert reply.title == "Tråd-sammendrag november 2026"
    assert reply.facts[0].value.startswith("5 ") and reply.image_png_b64
    assert "<b>tekst</b>" not in json.dumps(row.payload)  # no avvik descriptions in a summary


def test_slack_and_teams_channels_each_once(session, data, monkeypatch):
    monkeypatch.setenv("SLACK_LEADERSHIP_CHANNEL", "C0LEDELSE")
    monkeypatch.setenv("TEAMS_LEADERSHIP_CONVERSATION", "19:ledelse@thread.tacv2")
    get_settings.cache_clear()
    assert _post(session, data.org_id, "2026-T3") is True
    assert _post(session, data.org_id, "2026-t3") is False
    assert _post(session, data.org_id, "2026-11") is True
    rows = _rows(session)
    assert sorted(r.dedupe_key for r in rows) == sorted(
        f"summary:{p}:{pl}:org{data.org_id}" for p in ("2026-T3", "2026-11") for pl in ("slack", "teams"))
    slack = next(r for r in rows if r.platform == "slack")
    teams = next(r for r in rows if r.platform == "teams")
    assert slack.target == "C0LEDELSE" and teams.target == "19:ledelse@thread.tacv2"
    # one neutral payload: the Reply and the typed summary; each platform renders its own card at delivery
    assert slack.payload == teams.payload and set(slack.payload["rich"]) == {"summary"}
    summary = Summary.model_validate(slack.payload["rich"]["summary"])
    assert summary.period_key in ("2026-T3", "2026-11") and summary.org_id == data.org_id


def test_a_second_channel_added_later_gets_the_summary_too(session, data, monkeypatch):
    monkeypatch.setenv("SLACK_LEADERSHIP_CHANNEL", "C0LEDELSE")
    get_settings.cache_clear()
    assert _post(session, data.org_id, "2026-11") is True
    monkeypatch.setenv("TEAMS_LEADERSHIP_CONVERSATION", "19:ledelse@thread.tacv2")
    get_settings.cache_clear()
    assert _post(session, data.org_id, "2026-11") is True
    assert sorted(r.platform for r in _rows(session)) == ["slack", "teams"]


@pytest.fixture
def cli(data, monkeypatch):
    monkeypatch.setenv("TRAD_ORG", "testkommune")
    get_settings.cache_clear()
    from bot.cli import main

    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["summary", *args], catch_exceptions=False)


def test_cli_formats(cli, tmp_path):
    text = cli("--period", "2026-11")
    assert text.exit_code == 0 and "Tråd-sammendrag november 2026 – Testkommune" in text.output
    assert "Nye avvik:" in text.output and "5 (+3 mot oktober 2026)" in text.output
    js = json.loads(cli("--period", "2026-11", "--format", "json").output)
    assert js["avvik"]["period"] == {"new": 5, "closed": 3, "open_at_end": 4, "median_days_to_close": 3.0}
    assert js["avvik"]["previous"]["new"] == 2 and js["varsling"]["received"]["count"] is None
    assert js["period_key"] == "2026-11"
    rows = list(csv.reader(io.StringIO(cli("--period", "2026-T3", "--format", "csv").output)))
    assert ["avvik_totalt", "2026-T3", "nye", "9"] in rows
    res = cli("--period", "2026", "--format", "html", "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "året 2026" in html and "data:image/png;base64," in html


def test_cli_bad_period(cli):
    res = CliRunner().invoke(__import__("bot.cli", fromlist=["main"]).main, ["summary", "--period", "2026-13"])
    assert res.exit_code == 2 and "Ukjent periode" in res.output


def test_cli_post_once(cli, session):
    first = cli("--period", "2026-11", "--post")
    assert first.exit_code == 0 and "lagt i utboksen (console:ledelse)" in first.output
    again = cli("--period", "2026-11", "--post")
    assert "allerede" in again.output
    assert len(_rows(session)) == 1


def test_the_scheduler_job_posts_with_the_settings_it_is_given(session, data, engine, monkeypatch):
    """notifications.jobs.summaries passes its settings' channels and time zone down (nothing below reads them)."""
    from datetime import UTC, datetime

    from notifications import jobs

    monkeypatch.setenv("SLACK_LEADERSHIP_CHANNEL", "C0LEDELSE")
    get_settings.cache_clear()
    settings = get_settings()
    monkeypatch.delenv("SLACK_LEADERSHIP_CHANNEL")
    get_settings.cache_clear()  # a later get_settings() would find no channel: only the passed settings have it
    assert jobs.summaries(datetime(2026, 12, 1, 8, tzinfo=UTC), engine=engine, settings=settings) == {"posted": 1}
    assert [(r.dedupe_key, r.target) for r in _rows(session)] == [(f"summary:2026-11:slack:org{data.org_id}", "C0LEDELSE")]
