"""Issue 12: without PUBLIC_BASE_URL, links follow the host and port `trad serve` listens on (make run PORT=8101)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from models.settings import get_settings


def _serve_and_capture(monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, str]:
    """Run `trad serve` with uvicorn replaced by a probe that records what a link would look like meanwhile."""
    import uvicorn

    seen: dict[str, str] = {}

    def probe(*_a: object, **kw: object) -> None:
        get_settings.cache_clear()
        seen["base"] = get_settings().public_base_url
        seen["port"] = str(kw["port"])

    monkeypatch.setattr(uvicorn, "run", probe)
    monkeypatch.setattr("bot.cli._refuse_unmigrated", lambda _url: None)
    r = CliRunner().invoke(main, ["serve", *args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    seen["output"] = r.output
    return seen


def test_links_follow_the_served_port_and_the_note_is_removed_on_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _serve_and_capture(monkeypatch, "--port", "8101", "--banner")
    assert seen["base"] == "http://127.0.0.1:8101" and seen["port"] == "8101"
    assert "http://127.0.0.1:8101/varsling" in seen["output"]
    get_settings.cache_clear()
    assert get_settings().public_base_url == "http://127.0.0.1:8000"  # the server stopped: back to the default
    assert not Path("var/served-url").exists()


def test_another_process_reads_the_served_address(monkeypatch: pytest.MonkeyPatch, db_url, session, org) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    """`trad web link` in a second terminal while `trad serve --host 0.0.0.0 --port 8102` runs."""
    Path("var").mkdir(exist_ok=True)
    Path("var/served-url").write_text("http://127.0.0.1:8102\n", encoding="utf-8")
    get_settings.cache_clear()
    r = CliRunner().invoke(main, ["web", "link", "--as", org.emails["leder"]], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "http://127.0.0.1:8102/" in r.output


def test_an_explicit_public_base_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trad.kommune.example")
    seen = _serve_and_capture(monkeypatch, "--host", "0.0.0.0", "--port", "8103")
    assert seen["base"] == "https://trad.kommune.example"
    assert not Path("var/served-url").exists()


def test_a_wildcard_host_becomes_a_reachable_address(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _serve_and_capture(monkeypatch, "--host", "0.0.0.0", "--port", "8104")
    assert seen["base"] == "http://127.0.0.1:8104"
