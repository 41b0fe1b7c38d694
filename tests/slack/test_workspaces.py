"""Many Slack workspaces (issue 13): bolt's install flow, workspaces mapped to kommuner, one token each.

Two workspaces install Tråd through /slack/install (the fake Slack answers oauth.v2.access), an
admin maps them to two kommuner, and signed requests from each land in their own kommune and are
answered with their own token. A workspace nobody mapped gets a polite answer and nothing is stored.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from models.messages import Reply
from models.services import outbox
from models.tables import ChatIdentity, InboundEvent, Person
from models.tables.chat_install import SlackInstallation
from tests.factories import make_test_org
from tests.slack.conftest import SECRET, sign
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.anyio
WS = {"alver": ("TALVER", "xoxb-alver-1", "Alver IKT"), "bjorn": ("TBJORN", "xoxb-bjorn-2", "Bjørnafjorden")}
SAME_EMAIL = "felles.leiar@ikt-samarbeid.no"


@pytest.fixture
def oauth_env(monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, db_url: str) -> FakeSlack:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_CLIENT_ID", "1234.5678")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "b6c0f1e2d3a4958677a8b9c0d1e2f3a4")
    monkeypatch.setenv("SECRET_KEY", "test-web-Qx7vN2pLk9RzT4mWc8YhJd3FbE6sGa1U")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trad.example.no")
    from models.settings import get_settings

    get_settings.cache_clear()
    for code, (slug, (team, token, name)) in enumerate(WS.items()):
        fake_slack.oauth_codes[f"code-{slug}"] = {"team_id": team, "token": token, "name": name}
        fake_slack.users[f"U{slug.upper()}1"] = SAME_EMAIL
    return fake_slack


@pytest.fixture
def two(session: Session, oauth_env: FakeSlack) -> dict[str, int]:
    out = {}
    for slug in WS:
        t = make_test_org(session, slug=slug)
        p = Person(org_id=t.org_id, email=SAME_EMAIL, name=f"Felles leiar {slug}", unit_id=t.units["Oppvekst"])
        session.add(p)
        session.commit()
        out[slug] = p.id
    return out


def _app() -> Any:
    from bot.main import create_app
    from models.settings import get_settings

    return create_app(get_settings())


async def _install(app: Any, code: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://trad.example.no") as c:
        page = await c.get("/slack/install")
        assert page.status_code == 200
        state = re.search(r"state=([^&\"]+)", page.text)
        assert state, page.text
        return await c.get("/slack/oauth_redirect", params={"code": code, "state": state.group(1)})


async def _dm(app: Any, team: str, user: str, text: str) -> httpx.Response:
    body = json.dumps({"token": "x", "team_id": team, "api_app_id": "A1", "type": "event_callback",
                       "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
                       "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
                       "event": {"type": "message", "channel_type": "im", "channel": "D" + user, "user": user,
                                 "text": text, "ts": f"{time.time():.6f}", "team": team}}).encode()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://trad.test") as c:
        return await c.post("/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body)})


def _cli(*args: str) -> Any:
    from bot.cli import main

    return CliRunner().invoke(main, list(args))


async def test_unmapped_install_waits_for_an_admin_and_stores_nothing(session: Session, two: dict[str, int],
                                                                      oauth_env: FakeSlack) -> None:
    app = _app()
    page = await _install(app, "code-alver")
    assert page.status_code == 200
    assert "ikke koblet til en kommune" in page.text and "TALVER" in page.text
    row = session.get(SlackInstallation, "TALVER")
    assert row is not None and row.org_id is None
    assert "xoxb-alver-1" not in row.secret  # the token is stored encrypted

    r = await _dm(app, "TALVER", "UALVER1", "Det er glatt ved inngangen")
    assert r.status_code == 200
    posts = await oauth_env.wait_for("chat.postMessage")
    assert posts and "ikke koblet til en kommune" in posts[0].args["text"]
    assert oauth_env.team_of_call(posts[0]) == "TALVER"
    await asyncio.sleep(0.2)
    assert session.exec(select(ChatIdentity)).all() == []
    assert session.exec(select(InboundEvent)).all() == []


async def test_two_workspaces_land_in_their_own_kommune_with_their_own_token(session: Session, two: dict[str, int],
                                                                             oauth_env: FakeSlack) -> None:
    app = _app()
    for slug in WS:
        assert (await _install(app, f"code-{slug}")).status_code == 200
    bad = _cli("slack", "map", "--team", "TALVER", "--org", "finnes-ikke")
    assert bad.exit_code == 2 and "finnes-ikke" in bad.output
    unknown = _cli("slack", "map", "--team", "TNOPE", "--org", "alver")
    assert unknown.exit_code == 2 and "TNOPE" in unknown.output
    for slug, (team, _token, _name) in WS.items():
        ok = _cli("slack", "map", "--team", team, "--org", slug)
        assert ok.exit_code == 0, ok.output
    listing = _cli("slack", "installs")
    assert "TALVER" in listing.output and "alver" in listing.output and "xoxb" not in listing.output

    app = _app()  # a fresh process sees the mapping at once
    for slug, (team, _token, _name) in WS.items():
        assert (await _dm(app, team, f"U{slug.upper()}1", "hjelp")).status_code == 200
    posts = await oauth_env.wait_for("chat.postMessage", 2, pred=lambda c: str(c.args.get("channel")).startswith("DU"))
    by_channel = {c.args["channel"]: oauth_env.team_of_call(c) for c in posts}
    assert by_channel == {"DUALVER1": "TALVER", "DUBJORN1": "TBJORN"}
    idents = {i.workspace: i for i in session.exec(select(ChatIdentity)).all()}
    # the same e-mail in two kommuner: each workspace links the person of its own kommune
    assert idents["TALVER"].person_id == two["alver"] and idents["TBJORN"].person_id == two["bjorn"]

    from bot.main import build_adapters, build_wiring
    from models.settings import get_settings
    from notifications.outbox_worker import deliver_due

    wiring = build_wiring(get_settings())
    adapters = build_adapters(wiring)
    oauth_env.calls.clear()
    for slug, pid in two.items():
        person = session.get(Person, pid)
        assert person is not None
        outbox.enqueue(session, dedupe_key=f"test:{slug}", kind="notice", payload=Reply(text=f"Til {slug}"),
                       org_id=person.org_id, recipient_person_id=pid, platform="slack")
    session.commit()
    assert await deliver_due(wiring.engine, adapters) == 2
    sent = {c.args["text"]: oauth_env.team_of_call(c) for c in oauth_env.of("chat.postMessage")}
    assert sent == {"Til alver": "TALVER", "Til bjorn": "TBJORN"}
