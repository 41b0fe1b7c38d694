"""A fake Slack Web API on 127.0.0.1: plausible answers, every call recorded, failures on demand.

Runs aiohttp in its own thread and loop, so it serves both the app under test (on the
test's loop) and the outbox adapter. Upload and response URLs point back at itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the fake received it (pacing tests)


class FakeSlack:
    team_id = "T0TEST"
    bot_user = "UBOT"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, str] = {}  # slack user id -> e-mail
        self.posted: dict[str, list[dict]] = {}  # channel -> messages (for conversations.history)
        # many workspaces (OAuth): install code -> workspace, and bot token -> team id
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.token_team: dict[str, str] = {}
        self._failures: dict[str, list[tuple[int, dict, dict]]] = {}
        self._held: dict[str, threading.Event] = {}
        self.sockets: list[web.WebSocketResponse] = []  # Socket Mode connections from the app
        self.socket_acks: list[dict] = []  # what the app sent back over them (envelope acks)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------ control
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.posted.clear()
            self.oauth_codes.clear()
            self.token_team.clear()
            self._failures.clear()
            self.users.clear()
            self.socket_acks.clear()
            for gate in self._held.values():
                gate.set()
            self._held.clear()

    def fail(self, method: str, *, status: int = 200, error: str = "ratelimited", headers: dict | None = None,
             times: int = 1, body: dict | None = None) -> None:
        """Answer the next `times` calls of `method` with this failure."""
        with self._lock:
            for _ in range(times):
                self._failures.setdefault(method, []).append(
                    (status, body if body is not None else {"ok": False, "error": error}, headers or {}))

    def hold(self, method: str) -> threading.Event:
        """Keep every call of `method` unanswered until the returned event is set."""
        with self._lock:
            return self._held.setdefault(method, threading.Event())

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, n: int = 1, timeout: float = 10.0, pred: Any = None) -> list[Call]:
        """Wait (on the caller's loop, letting background work run) until `n` matching calls arrived."""
        deadline = time.monotonic() + timeout
        while True:
            got = [c for c in self.of(method) if pred is None or pred(c)]
            if len(got) >= n or time.monotonic() > deadline:
                return got
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------ server
    def start(self) -> FakeSlack:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application(client_max_size=20 * 1024 * 1024)
            app.router.add_post("/api/{method}", self._api)
            app.router.add_get("/api/{method}", self._api)
            app.router.add_post("/upload/{file_id}", self._upload)
            app.router.add_post("/respond/{rid}", self._respond)
            app.router.add_get("/socket", self._socket)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name="fake-slack")
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            async def _down() -> None:
                if self._runner is not None:
                    await self._runner.cleanup()
            asyncio.run_coroutine_threadsafe(_down(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                args.update(body)
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in ("blocks", "view", "files", "attachments"):
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        return args

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode, as Slack runs it: say hello, then read the app's envelope acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"},
                            "debug_info": {"host": "fake-slack"}})
        try:
            async for msg in ws:
                if msg.type == web.WSMsgType.TEXT:
                    with self._lock:
                        self.socket_acks.append(json.loads(msg.data))
        finally:
            self.sockets.remove(ws)
        return ws

    def push(self, envelope_type: str, payload: dict, *, envelope_id: str,
             accepts_response_payload: bool = False) -> None:
        """Send one envelope to every connected Socket Mode client."""
        env = {"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
               "accepts_response_payload": accepts_response_payload, "retry_attempt": 0, "retry_reason": ""}
        assert self._loop is not None and self.sockets, "no Socket Mode connection"
        for ws in list(self.sockets):
            asyncio.run_coroutine_threadsafe(ws.send_json(env), self._loop).result(5)

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        with self._lock:
            self.calls.append(Call("upload", {"file_id": request.match_info["file_id"], "size": len(data)}))
        return web.Response(text="OK - uploaded")

    async def _respond(self, request: web.Request) -> web.Response:
        args = await self._args(request)
        with self._lock:
            self.calls.append(Call("respond", args))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        with self._lock:
            self.calls.append(Call(method, args, dict(request.headers)))
            queued = self._failures.get(method)
            failure = queued.pop(0) if queued else None
            gate = self._held.get(method)
        while gate is not None and not gate.is_set():
            await asyncio.sleep(0.01)
        if failure is not None:
            status, body, headers = failure
            if status >= 500:
                return web.Response(status=status, text="upstream error", headers=headers)
            return web.json_response(body, status=status, headers=headers)
        return web.json_response(self._answer(method, args, self._team_of(request.headers)))

    def team_of_call(self, call: Call) -> str:
        """Which workspace's token a recorded call was made with."""
        return self._team_of(call.headers)

    def _team_of(self, headers: Any) -> str:
        auth = str(headers.get("Authorization") or headers.get("authorization") or "")
        return self.token_team.get(auth.removeprefix("Bearer ").strip(), self.team_id)

    def _oauth_access(self, a: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: the code of an install gives that workspace's bot token (as Slack answers)."""
        ws = self.oauth_codes.get(str(a.get("code") or ""))
        if ws is None:
            return {"ok": False, "error": "invalid_code"}
        self.token_team[ws["token"]] = ws["team_id"]
        enterprise = {"id": ws["enterprise_id"], "name": "Grid"} if ws.get("enterprise_id") else None
        return {"ok": True, "app_id": "A1", "authed_user": {"id": ws.get("user", "UADMIN")},
                "scope": "chat:write,commands", "token_type": "bot", "access_token": ws["token"],
                "bot_user_id": "UBOT", "team": {"id": ws["team_id"], "name": ws.get("name", ws["team_id"])},
                "enterprise": enterprise, "is_enterprise_install": bool(ws.get("is_enterprise_install"))}

    def _answer(self, method: str, a: dict[str, Any], team: str = "") -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        team = team or self.team_id
        if method == "oauth.v2.access":
            return self._oauth_access(a)
        if method == "auth.test":
            return {**ok, "url": f"{self.base}/", "team": "Testkommune", "user": "trad", "team_id": team,
                    "user_id": self.bot_user, "bot_id": "BBOT"}
        if method == "users.info":
            uid = a.get("user", "")
            if uid not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {**ok, "user": {"id": uid, "team_id": team, "name": uid.lower(), "deleted": False,
                                   "is_bot": False, "profile": {"email": self.users[uid], "real_name": uid}}}
        if method == "users.lookupByEmail":
            email = (a.get("email") or "").lower()
            for uid, em in self.users.items():
                if em.lower() == email:
                    return {**ok, "user": {"id": uid, "team_id": team, "profile": {"email": em}}}
            return {"ok": False, "error": "users_not_found"}
        if method == "apps.connections.open":
            return {**ok, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "conversations.open":
            users = str(a.get("users", ""))
            return {**ok, "channel": {"id": "D" + users.split(",")[0]}}
        if method == "chat.postMessage":
            ts = f"{1700000000 + next(self._ts)}.000100"
            meta = a.get("metadata")
            if isinstance(meta, str):
                meta = json.loads(meta)
            channel = str(a.get("channel"))
            if channel.startswith(("U", "W")):  # like Slack: a user id posts into the app's DM with them
                channel = "D" + channel
            self.posted.setdefault(channel, []).insert(0, {"ts": ts, "text": a.get("text"), "metadata": meta})
            return {**ok, "channel": channel, "ts": ts, "message": {"text": a.get("text"), "ts": ts}}
        if method == "conversations.history":
            return {**ok, "messages": self.posted.get(str(a.get("channel")), [])[: int(a.get("limit") or 100)]}
        if method == "chat.update":
            return {**ok, "channel": a.get("channel"), "ts": a.get("ts"), "text": a.get("text")}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method.startswith("views."):
            view = a.get("view") if isinstance(a.get("view"), dict) else {}
            return {**ok, "view": {**view, "id": f"V{next(self._ts):06d}", "hash": "h"}}
        if method == "files.getUploadURLExternal":
            fid = f"F{next(self._ts):06d}"
            return {**ok, "upload_url": f"{self.base}/upload/{fid}", "file_id": fid}
        if method == "files.completeUploadExternal":
            files = a.get("files") if isinstance(a.get("files"), list) else []
            return {**ok, "files": [{"id": f.get("id"), "title": f.get("title", "")} for f in files]}
        return ok
