"""`trad web link --as EMAIL` prints a working one-time sign-in link."""

from __future__ import annotations

import re

from click.testing import CliRunner

from bot.cli import main
from models.services import web_auth


def test_web_link_prints_a_link_that_signs_in_once(db_url, session, org, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trad.kommune.example")
    r = CliRunner().invoke(main, ["web", "link", "--as", org.emails["leder"].upper()], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    m = re.search(r"https://trad\.kommune\.example/logg-inn/lenke\?t=(\S+)", r.output)
    assert m and "Lise Leder" in r.output
    cookie, pid = web_auth.redeem_link(session=session, token=m.group(1))
    assert pid == org.people["leder"] and web_auth.session_person(session, cookie) == pid
    bad = CliRunner().invoke(main, ["web", "link", "--as", "nobody@testkommune.no"])
    assert bad.exit_code == 1 and "finner deg ikke" in bad.output
