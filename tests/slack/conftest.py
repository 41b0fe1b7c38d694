"""Fixtures for the Slack edge: one fake Slack per session, signed requests to the real FastAPI app."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.slack.fake_slack import FakeSlack

SECRET = "8f14e45fceea167a5a36dedd4bea2543"  # Slack signing secrets are 32 hex characters
TOKEN = "xoxb-test-1234"
_ids = itertools.count(1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def _fake_slack_server() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(_fake_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    _fake_slack_server.reset()
    yield _fake_slack_server
    _fake_slack_server.reset()


def sign(body: bytes, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    base = f"v0:{ts}:".encode() + body
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}


class SlackDriver:
    """Builds Slack's payloads, signs them and posts them to /slack/events on the app under test."""

    def __init__(self, app: Any, fake: FakeSlack, org: Any) -> None:
        self.app = app
        self.fake = fake
        self.org = org
        self.team = fake.team_id
        self.uid: dict[str, str] = {}
        for key, email in org.emails.items():
            uid = "U" + key.upper()
            self.uid[key] = uid
            fake.users[uid] = email

    async def post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None,
                   signed: bool = True) -> httpx.Response:
        h = {"Content-Type": content_type, **(sign(body) if signed else {}), **(headers or {})}
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://trad.test") as c:
            return await c.post("/slack/events", content=body, headers=h)

    # ------------------------------------------------------------ payloads
    def event_body(self, event: dict, *, event_id: str | None = None) -> bytes:
        return json.dumps({"token": "x", "team_id": self.team, "api_app_id": "A1", "type": "event_callback",
                           "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()),
                           "authorizations": [{"team_id": self.team, "user_id": self.fake.bot_user, "is_bot": True}],
                           "event": event}).encode()

    async def dm(self, who: str, text: str, *, event_id: str | None = None, retry: int | None = None) -> httpx.Response:
        uid = self.uid.get(who, who)
        ev = {"type": "message", "channel_type": "im", "channel": "D" + uid, "user": uid, "text": text,
              "ts": f"{time.time():.6f}", "team": self.team}
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return await self.post(self.event_body(ev, event_id=event_id), "application/json", headers)

    def command_payload(self, who: str, command: str, text: str = "") -> dict[str, str]:
        uid = self.uid.get(who, who)
        return {"token": "x", "team_id": self.team, "team_domain": "test", "channel_id": "C1", "channel_name": "general",
                "user_id": uid, "user_name": who, "command": command, "text": text, "api_app_id": "A1",
                "response_url": f"{self.fake.base}/respond/{next(_ids)}", "trigger_id": f"trig-{next(_ids)}"}

    async def command(self, who: str, command: str, text: str = "") -> httpx.Response:
        form = self.command_payload(who, command, text)
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    async def interactive(self, payload: dict) -> httpx.Response:
        return await self.post(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")

    def _user(self, who: str) -> dict:
        uid = self.uid.get(who, who)
        return {"id": uid, "team_id": self.team, "username": who}

    async def button(self, who: str, action_id: str, value: str, *, in_message: bool = True) -> httpx.Response:
        payload = {"type": "block_actions", "user": self._user(who), "team": {"id": self.team}, "api_app_id": "A1",
                   "trigger_id": f"trig-{next(_ids)}",
                   "container": {"type": "message"} if in_message else {"type": "view", "view_id": "VHOME"},
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                                "action_ts": f"{time.time():.6f}"}]}
        if in_message:
            payload["response_url"] = f"{self.fake.base}/respond/{next(_ids)}"
        return await self.interactive(payload)

    async def shortcut(self, who: str, callback_id: str, message_text: str | None = None) -> httpx.Response:
        payload: dict[str, Any] = {"type": "shortcut" if message_text is None else "message_action",
                                   "callback_id": callback_id, "trigger_id": f"trig-{next(_ids)}",
                                   "user": self._user(who), "team": {"id": self.team}, "api_app_id": "A1"}
        if message_text is not None:
            payload.update({"channel": {"id": "C1"}, "message": {"type": "message", "text": message_text, "ts": "1.2"},
                            "response_url": f"{self.fake.base}/respond/{next(_ids)}"})
        return await self.interactive(payload)

    async def submit(self, who: str, view: dict, values: dict[str, str], *, view_id: str | None = None,
                     background: bool = True) -> httpx.Response:
        """Submit a modal. `background` then does what the background process does a moment after the ack:
        an avvik report kept at the ack becomes its case (`notifications.inbox_worker`)."""
        r = await self.interactive(self.submission_payload(who, view, values, view_id=view_id))
        if background:
            self.run_background()
        return r

    def run_background(self) -> int:
        from notifications.inbox_worker import register_waiting

        return register_waiting(self.app.state.wiring.engine)

    def submission_payload(self, who: str, view: dict, values: dict[str, str], *, view_id: str | None = None) -> dict:
        """A modal submission as Slack sends it: state values shaped by each input's element type."""
        state: dict[str, dict] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            el = block["element"]
            name = block["block_id"]
            raw = values.get(name)
            if raw is None:
                continue
            v: dict[str, Any] = {"type": el["type"]}
            if el["type"] in ("static_select", "external_select"):
                v["selected_option"] = {"value": raw, "text": {"type": "plain_text", "text": raw}} if raw else None
            elif el["type"] == "datepicker":
                v["selected_date"] = raw
            elif el["type"] == "datetimepicker":
                v["selected_date_time"] = int(raw)
            else:
                v["value"] = raw
            state[name] = {el["action_id"]: v}
        full = {**view, "id": view_id or view.get("id") or f"V{next(_ids):06d}", "state": {"values": state}}
        return {"type": "view_submission", "team": {"id": self.team}, "user": self._user(who), "api_app_id": "A1",
                "trigger_id": f"trig-{next(_ids)}", "view": full}


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> FakeSlack:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trad.example.no")
    from models.settings import get_settings

    get_settings.cache_clear()
    return fake_slack


@pytest.fixture
def slack(slack_env: FakeSlack, db_url: str, org: Any) -> SlackDriver:
    from bot.main import create_app
    from models.settings import get_settings

    get_settings.cache_clear()
    return SlackDriver(create_app(get_settings()), slack_env, org)
