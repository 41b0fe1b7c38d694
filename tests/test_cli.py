"""The `trad` command: settings refusal, migrate, demo, org import (good and bad files), chat."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import main
from models.tables import Avvik, Organisation, Person, PersonRole, Unit

GOOD = """email,name,unit,role
kari@test.no,Kari Nordmann,Oppvekst/Aurvoll skole,ansatt
lise@test.no,Lise Leder,Oppvekst/Aurvoll skole,leder
ola@test.no,Ola Sjef,Oppvekst,kommunalsjef;varslingsmottaker
dina@test.no,Dina Direktør,Kommunedirektøren,kommunedirektør;admin
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_placeholder_secret_refuses_to_start(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "changeme")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "c9f0f895fb98ab9159f51fd0297e236d")
    env = {**os.environ}
    r = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], capture_output=True, text=True, env=env, timeout=60,
                       cwd=os.getcwd())
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.strip().splitlines() if ln]
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0] and "placeholder" in lines[0]


def test_half_configured_teams_names_the_missing_setting(monkeypatch):
    monkeypatch.setenv("TEAMS_APP_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "real-password-value")
    r = subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "TEAMS_TENANT_ID" in r.stderr


def test_demo_runs_without_chat_credentials(db_url, session):
    assert "Demo lagt inn" in run("demo").output
    assert "ble ikke lagt inn" in run("demo", "--if-empty").output
    org = session.exec(select(Organisation)).one()
    units = session.exec(select(Unit).where(Unit.org_id == org.id, Unit.kind == "unit")).all()
    assert len(units) == 11  # the 11 service units; Kommunedirektøren is the top
    sectors = session.exec(select(Unit).where(Unit.kind == "sector")).all()
    assert {s.name for s in sectors} == {"Oppvekst", "Helse og omsorg", "Samfunn"}
    roles = {r.role for r in session.exec(select(PersonRole)).all()}
    assert roles == {"leder", "kommunalsjef", "kommunedirektør", "varslingsmottaker", "admin"}
    assert len(session.exec(select(Person)).all()) >= 450
    assert len(session.exec(select(Avvik)).all()) > 300


def test_import_good_file_then_reimport_and_prune(db_url, session, tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(GOOD, encoding="utf-8")
    out = run("org", "import", str(f), "--org", "test").output
    assert "4 nye" in out
    lise = session.exec(select(Person).where(Person.email == "lise@test.no")).one()
    assert session.exec(select(Unit).where(Unit.id == lise.unit_id)).one().path == "Oppvekst/Aurvoll skole"
    ola_roles = {r.role for r in session.exec(select(PersonRole).join(Person).where(Person.email == "ola@test.no")).all()}
    assert ola_roles == {"kommunalsjef", "varslingsmottaker"}
    # re-import: rename one person and move another; drop Kari with --prune
    f.write_text(GOOD.replace("Lise Leder", "Lise Ny-Leder").replace("kari@test.no,Kari Nordmann,Oppvekst/Aurvoll skole,ansatt\n", ""),
                 encoding="utf-8")
    out = run("org", "import", str(f), "--org", "test", "--prune").output
    assert "0 nye" in out and "1 oppdatert" in out and "1 deaktivert" in out
    assert session.exec(select(Person).where(Person.email == "lise@test.no")).one().name == "Lise Ny-Leder"
    assert session.exec(select(Person).where(Person.email == "kari@test.no")).one().active is False


def test_bad_file_imports_nothing_and_names_lines(db_url, session, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(GOOD + "ikke-epost,Navn,Oppvekst/X,ansatt\nper@test.no,,Oppvekst/X,sjef\nkari@test.no,Kari,Oppvekst/X,\n",
                 encoding="utf-8")
    r = CliRunner().invoke(main, ["org", "import", str(f), "--org", "test"])
    assert r.exit_code == 1
    assert "linje 6: ugyldig e-post" in r.output
    assert "linje 7: navn mangler" in r.output and "ukjent rolle «sjef»" in r.output
    assert "linje 8: e-posten kari@test.no står også på linje 2" in r.output
    assert session.exec(select(Person)).all() == []
    for content, msg in [("", "tom"), ("a,b\n1,2\n", "mangler kolonne"), (b"\xff\xfe\x00\x00garbage", "")]:
        f.write_bytes(content.encode() if isinstance(content, str) else content)
        r = CliRunner().invoke(main, ["org", "import", str(f), "--org", "test"])
        assert r.exit_code == 1 and "Ingenting ble importert" in r.output and msg in r.output
    r = CliRunner().invoke(main, ["org", "import", str(tmp_path / "missing.csv")])
    assert r.exit_code == 2


def test_semicolon_csv_from_excel(db_url, session, tmp_path):
    f = tmp_path / "excel.csv"
    f.write_bytes("\ufeffemail;name;unit;role\nå@test.no;Åse Øvre;Helse/Hjemme;leder\n".encode())
    assert "1 nye" in run("org", "import", str(f), "--org", "test").output


def test_terminal_chat_reports_avvik(db_url, session, monkeypatch):
    run("demo")
    from bot.console import run_console
    from bot.main import build_wiring
    from models.settings import get_settings

    conversation = build_wiring(get_settings()).conversation
    script = "meld avvik\n1\nsamme\nDør til lager stod åpen\nnå\n-\n2\n2\n-\nsend\nmine avvik\n"
    out = io.StringIO()
    assert run_console("ansatt1@oyer.kommune.no", conversation=conversation, stdin=io.StringIO(script), stdout=out) == 0
    text = out.getvalue()
    assert "Takk! Avviket er registrert som AV-" in text and "Dør til lager stod åpen" in text
    out2 = io.StringIO()
    assert run_console("nobody@nowhere.no", conversation=conversation, stdin=io.StringIO("hjelp\n"), stdout=out2) == 1
    assert "finner deg ikke" in out2.getvalue()


@pytest.mark.parametrize("args", [["serve", "--port", "99999"], ["nonsense"], ["org", "import"]])
def test_bad_cli_arguments_are_usage_errors(args):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2


def test_migrate_command(db_url):
    assert "oppdatert" in run("migrate").output
    assert Path  # migrations are idempotent: running twice is fine
    assert "oppdatert" in run("migrate").output


def test_serve_starts_and_answers(tmp_path):
    """`trad serve` as the README runs it: the serving app (with its GC policy) starts and answers."""
    import socket
    import time
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    env["SCHEDULER_ENABLED"] = "false"
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], check=True, env=env, timeout=120, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = None
        deadline = time.monotonic() + 60
        while body is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
            except OSError:
                time.sleep(0.2)
        assert body is not None and body["status"] == "ok", proc.stdout.read() if proc.poll() is not None else ""
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out


def test_serve_on_an_unmigrated_database_says_run_migrate(monkeypatch, tmp_path):
    """One line and exit 2, instead of a server whose background jobs log raw SQL errors."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    r = CliRunner().invoke(main, ["serve"])
    assert r.exit_code == 2
    lines = [ln for ln in r.output.strip().splitlines() if ln]
    assert len(lines) == 1 and "trad migrate" in lines[0]


def test_a_migrated_database_has_nothing_pending(db_url):
    from models.migrate import pending

    assert pending(db_url) == []


def test_the_demo_lets_a_varsel_be_sent_and_read(db_url, session):
    """README: the demo shows every flow, varsling included: recipients with keys, and the passphrase works."""
    from models.demo import DEMO_RECIPIENT_PASSPHRASE
    from models.services import varsling_keys as keys

    run("demo")
    hr = session.exec(select(Person).where(Person.email == "hr.sjef@oyer.kommune.no")).one()
    assert keys.get_key(session, hr.id) is not None
    assert keys.unlock(session=session, person_id=hr.id, passphrase=DEMO_RECIPIENT_PASSPHRASE)
