"""A fake Entra ID authority and Microsoft Graph `users/delta`, HTTPS on 127.0.0.1 with a trustme CA.

The authority hands out client-credential tokens (checking the secret); Graph checks the bearer
token, pages users (`@odata.nextLink`), ends each round with a `@odata.deltaLink`, and from a
delta link returns only the users changed since (removed ones with `@removed`). Tests can queue
answers for the next Graph calls (429 with Retry-After, 5xx, 403, a broken page).
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.live import LoopbackHTTPS, posted_form

TENANT = "0e1e2e3e-aaaa-bbbb-cccc-123456789abc"
CLIENT_ID = "c1c1c1c1-2222-3333-4444-555555555555"
CLIENT_SECRET = "test-graph-secret-not-a-secret"


@dataclass
class State:
    base: str = ""
    page_size: int = 2
    version: int = 0
    users: dict[str, dict] = field(default_factory=dict)  # object id -> user (with "_v" and "_removed")
    rounds: dict[str, tuple[list[dict], int]] = field(default_factory=dict)  # skiptoken -> (records, version at end)
    tokens: set[str] = field(default_factory=set)
    token_requests: list[dict] = field(default_factory=list)
    graph_requests: list[str] = field(default_factory=list)
    fail_next: list[tuple[int, dict, bytes | None]] = field(default_factory=list)
    fail_after: int = 0  # Graph calls answered normally before `fail_next` applies
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, oid: str, *, mail: str, name: str, department: str | None, enabled: bool = True,
            manager: str | None = None) -> None:
        with self.lock:
            self.version += 1
            self.users[oid] = {"id": oid, "mail": mail, "displayName": name, "department": department,
                               "accountEnabled": enabled, "_manager": manager, "_v": self.version, "_removed": False}

    def change(self, oid: str, **fields: object) -> None:
        with self.lock:
            self.version += 1
            user = self.users[oid]
            for k, v in fields.items():
                user["_manager" if k == "manager" else k] = v
            user["_v"] = self.version

    def remove(self, oid: str) -> None:
        with self.lock:
            self.version += 1
            self.users[oid].update({"_removed": True, "_v": self.version})


def _record(user: dict) -> dict:
    if user["_removed"]:
        return {"id": user["id"], "@removed": {"reason": "deleted"}}
    out = {k: v for k, v in user.items() if not k.startswith("_")}
    if user["_manager"]:
        out["manager@delta"] = [{"@odata.type": "#microsoft.graph.user", "id": user["_manager"]}]
    elif user.get("_manager_removed"):
        out["manager@delta"] = [{"@odata.type": "#microsoft.graph.user", "id": "gone", "@removed": {"reason": "deleted"}}]
    return out


class _Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, raw: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _json(self, status: int, body: object, headers: dict | None = None) -> None:
        self._send(status, json.dumps(body).encode(), headers)

    def do_GET(self) -> None:  # noqa: N802
        st = self.state
        parts = urlsplit(self.path)
        if parts.path.endswith("/v2.0/.well-known/openid-configuration"):
            root = f"{st.base}/{parts.path.split('/')[1]}"
            return self._json(200, {"issuer": f"{root}/v2.0", "token_endpoint": f"{root}/oauth2/v2.0/token",
                                    "authorization_endpoint": f"{root}/oauth2/v2.0/authorize"})
        if parts.path == "/v1.0/users/delta":
            return self._delta(parse_qs(parts.query))
        return self._json(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        st = self.state
        path, form = posted_form(self)
        if not path.endswith("/oauth2/v2.0/token"):
            return self._json(404, {"error": "not found"})
        with st.lock:
            st.token_requests.append(form)
        if path.split("/")[1] != TENANT or form.get("client_id") != CLIENT_ID \
                or form.get("client_secret") != CLIENT_SECRET:
            return self._json(401, {"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"})
        token = "graph-" + secrets.token_hex(8)
        with st.lock:
            st.tokens.add(token)
        return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _delta(self, query: dict[str, list[str]]) -> None:
        st = self.state
        with st.lock:
            st.graph_requests.append(self.path)
            if (self.headers.get("Authorization") or "").removeprefix("Bearer ") not in st.tokens:
                return self._json(401, {"error": {"code": "InvalidAuthenticationToken"}})
            if st.fail_next and st.fail_after > 0:
                st.fail_after -= 1
            elif st.fail_next:
                status, headers, raw = st.fail_next.pop(0)
                return self._send(status, raw if raw is not None else json.dumps(
                    {"error": {"code": "TooManyRequests" if status == 429 else "Failed"}}).encode(), headers)
            if "$skiptoken" in query:
                token = query["$skiptoken"][0]
                records, version = st.rounds[token.split(":")[0]]
                offset = int(token.split(":")[1])
            else:
                since = int(query["$deltatoken"][0]) if "$deltatoken" in query else 0
                records = [_record(u) for u in st.users.values() if u["_v"] > since and (since or not u["_removed"])]
                version, offset = st.version, 0
                round_id = secrets.token_hex(4)
                st.rounds[round_id] = (records, version)
                token = f"{round_id}:0"
        page, rest = records[offset:offset + st.page_size], offset + st.page_size < len(records)
        body: dict = {"value": page}
        if rest:
            body["@odata.nextLink"] = f"{st.base}/v1.0/users/delta?$skiptoken={token.split(':')[0]}:{offset + st.page_size}"
        else:
            body["@odata.deltaLink"] = f"{st.base}/v1.0/users/delta?$deltatoken={version}"
        return self._json(200, body)


class FakeGraph:
    def __init__(self, tmp_dir: str) -> None:
        self.state = State()
        https = LoopbackHTTPS(type("H", (_Handler,), {"state": self.state}), tmp_dir, "graph-ca")
        self.ca_file, self.server, self.base = https.ca_file, https.server, https.base
        self.state.base = self.base

    def env(self) -> dict[str, str]:
        return {"ENTRA_TENANT_ID": TENANT, "ENTRA_CLIENT_ID": CLIENT_ID, "ENTRA_CLIENT_SECRET": CLIENT_SECRET,
                "ENTRA_AUTHORITY": f"{self.base}/{TENANT}", "GRAPH_API_URL": f"{self.base}/v1.0",
                "SSL_CERT_FILE": self.ca_file, "REQUESTS_CA_BUNDLE": self.ca_file}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
