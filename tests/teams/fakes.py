"""Fakes for the Teams edge, all HTTPS on 127.0.0.1 with a trustme CA.

One server plays three Microsoft services: the Bot Framework OpenID metadata + JWKS
(with endorsements), the Entra ID authority msal talks to, and the Bot Connector,
which records every outgoing call and can be told to answer the next calls with
e.g. 429.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.live import LoopbackHTTPS

APP_ID = "11111111-2222-3333-4444-555555555555"
APP_PASSWORD = "test-app-password-not-a-secret"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
BOT_ID = f"28:{APP_ID}"
CATALOG_ID = "cccccccc-0000-1111-2222-333333333333"


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey
    endorsements: list[str]

    def jwk(self) -> dict:
        data = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "endorsements": self.endorsements}


def new_key(kid: str, endorsements: list[str] | None = None) -> SigningKey:
    return SigningKey(kid=kid, private=rsa.generate_private_key(public_exponent=65537, key_size=2048),
                      endorsements=["msteams", "skype"] if endorsements is None else endorsements)


@dataclass
class State:
    base: str = ""
    keys: list[SigningKey] = field(default_factory=list)
    entra_keys: list[SigningKey] = field(default_factory=list)
    metadata_hits: int = 0
    jwks_hits: int = 0
    token_hits: int = 0
    issued: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    calls: list[dict] = field(default_factory=list)
    fail_next: list[tuple[int, dict]] = field(default_factory=list)
    members: dict[str, dict] = field(default_factory=dict)
    graph_users: dict[str, str] = field(default_factory=dict)  # e-mail/UPN -> object id
    graph_installed: dict[str, str] = field(default_factory=dict)  # object id -> installation id
    graph_calls: list[dict] = field(default_factory=list)
    graph_fail_next: list[tuple[int, dict]] = field(default_factory=list)
    # More tenants than TENANT (issue 13: a kommune per tenant): tenant -> its directory (e-mail -> object id).
    # A token is issued per tenant, and Graph answers from the directory of the token's tenant.
    other_tenants: dict[str, dict[str, str]] = field(default_factory=dict)
    token_tenant: dict[str, str] = field(default_factory=dict)  # issued token -> tenant
    graph_tenants: list[str] = field(default_factory=list)  # the tenant of each graph call's token
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.fail_next.clear()
            self.members.clear()
            self.revoked.clear()
            self.graph_users.clear()
            self.graph_installed.clear()
            self.graph_calls.clear()
            self.graph_fail_next.clear()
            self.other_tenants.clear()
            self.token_tenant.clear()
            self.graph_tenants.clear()

    def activities(self, method: str | None = None) -> list[dict]:
        return [c for c in self.calls if "/activities" in c["path"] and (method is None or c["method"] == method)]


class _Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _json(self, status: int, body: object, headers: dict | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self) -> None:  # noqa: N802
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._route("PUT")

    def _route(self, method: str) -> None:
        st = self.state
        path = urlsplit(self.path).path
        body = self._body()
        if path == "/botframework/openid":
            st.metadata_hits += 1
            return self._json(200, {"issuer": "https://api.botframework.com", "jwks_uri": st.base + "/botframework/keys",
                                    "id_token_signing_alg_values_supported": ["RS256"]})
        if path == "/botframework/keys":
            st.jwks_hits += 1
            return self._json(200, {"keys": [k.jwk() for k in st.keys]})
        if path == "/entra/keys":
            return self._json(200, {"keys": [{k: v for k, v in key.jwk().items() if k != "endorsements"}
                                             for key in st.entra_keys]})
        if path.startswith("/entra/"):
            tenant = path.split("/")[2]
            if path.endswith("/.well-known/openid-configuration"):
                root = f"{st.base}/entra/{tenant}"
                return self._json(200, {"issuer": f"{root}/v2.0", "token_endpoint": f"{root}/oauth2/v2.0/token",
                                        "jwks_uri": f"{st.base}/entra/keys",
                                        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize"})
            if path.endswith("/oauth2/v2.0/token"):
                form = dict(p.split("=", 1) for p in body.decode().split("&") if "=" in p)
                if unquote(form.get("client_secret", "")) != APP_PASSWORD or \
                        (tenant != TENANT and tenant not in st.other_tenants):
                    return self._json(401, {"error": "invalid_client"})
                st.token_hits += 1
                token = f"tok-{uuid.uuid4().hex}"
                st.issued.add(token)
                st.token_tenant[token] = tenant
                return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
        if path.startswith("/v3/conversations"):
            return self._connector(method, path, body)
        if path.startswith("/graph/v1.0/"):
            return self._graph(method, unquote(path.removeprefix("/graph/v1.0")), body)
        return self._json(404, {"error": "not found"})

    def _connector(self, method: str, path: str, body: bytes) -> None:
        st = self.state
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        call = {"method": method, "path": unquote(path), "body": json.loads(body) if body else None, "token": token}
        with st.lock:
            if token not in st.issued or token in st.revoked:
                st.calls.append({**call, "status": 401})
                return self._json(401, {"error": {"code": "Unauthorized"}})
            if st.fail_next:
                status, headers = st.fail_next.pop(0)
                st.calls.append({**call, "status": status})
                return self._json(status, {"error": {"code": "Throttled"}}, headers)
            st.calls.append({**call, "status": 200})
        parts = [unquote(p) for p in path.split("/")[3:]]
        if method == "GET" and len(parts) == 3 and parts[1] == "members":
            member = st.members.get(parts[2])
            if member is None:
                return self._json(404, {"error": {"code": "MemberNotFound"}})
            return self._json(200, member)
        if method == "POST" and not parts:
            return self._json(200, {"id": f"a:created-{call['body']['members'][0]['id']}"})
        if method in ("POST", "PUT") and len(parts) >= 2 and parts[1] == "activities":
            return self._json(200, {"id": parts[2] if method == "PUT" else f"act-{uuid.uuid4().hex[:8]}"})
        return self._json(404, {"error": "unknown connector route"})

    def _graph(self, method: str, path: str, body: bytes) -> None:
        """Microsoft Graph: users, a user's installed apps, and the chat of an installation."""
        st = self.state
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        with st.lock:
            st.graph_calls.append({"method": method, "path": path, "body": json.loads(body) if body else None})
            st.graph_tenants.append(st.token_tenant.get(token, ""))
            if token not in st.issued:
                return self._json(401, {"error": {"code": "InvalidAuthenticationToken"}})
            if st.graph_fail_next:
                status, headers = st.graph_fail_next.pop(0)
                return self._json(status, {"error": {"code": "Fail"}}, headers)
        parts = path.strip("/").split("/")
        users = st.other_tenants.get(st.token_tenant.get(token, ""), st.graph_users)  # the token's directory
        oid = users.get(parts[1].lower()) or (parts[1] if parts[1] in users.values() else None)
        if oid is None:
            return self._json(404, {"error": {"code": "Request_ResourceNotFound"}})
        if len(parts) == 2:
            return self._json(200, {"id": oid})
        if method == "POST" and len(parts) == 4:
            bind = (json.loads(body) or {}).get("teamsApp@odata.bind", "")
            if not bind.endswith("/appCatalogs/teamsApps/" + CATALOG_ID):
                return self._json(400, {"error": {"code": "BadRequest"}})
            if oid in st.graph_installed:
                return self._json(409, {"error": {"code": "Conflict"}})
            st.graph_installed[oid] = f"inst-{oid}"
            return self._json(201, {})
        if method == "GET" and len(parts) == 4:
            inst = st.graph_installed.get(oid)
            return self._json(200, {"value": [{"id": inst, "teamsApp": {"id": CATALOG_ID}}] if inst else []})
        if method == "GET" and len(parts) == 6 and parts[5] == "chat" and st.graph_installed.get(oid) == parts[4]:
            return self._json(200, {"id": f"19:{oid}_bot@unq.gbl.spaces"})
        return self._json(404, {"error": {"code": "NotFound"}})


class FakeMicrosoft:
    def __init__(self, tmp_dir: str) -> None:
        self.state = State(keys=[new_key("key-1")], entra_keys=[new_key("entra-1", [])])
        https = LoopbackHTTPS(type("H", (_Handler,), {"state": self.state}), tmp_dir, "ca")
        self.ca, self.ca_file, self.server, self.thread = https.ca, https.ca_file, https.server, https.thread
        self.base = https.base
        self.state.base = self.base

    @property
    def service_url(self) -> str:
        return self.base + "/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def env(self) -> dict[str, str]:
        return {
            "TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": APP_PASSWORD, "TEAMS_TENANT_ID": TENANT,
            "TEAMS_AUTHORITY": f"{self.base}/entra/{TENANT}",
            "TEAMS_OPENID_METADATA_URL": f"{self.base}/botframework/openid",
            "TEAMS_SSO_OPENID_METADATA_URL": f"{self.base}/entra/{TENANT}/v2.0/.well-known/openid-configuration",
            "TEAMS_SERVICE_URL_HOSTS": "127.0.0.1",
            "TEAMS_DEFAULT_SERVICE_URL": self.service_url, "GRAPH_API_URL": f"{self.base}/graph/v1.0",
            "SSL_CERT_FILE": self.ca_file, "REQUESTS_CA_BUNDLE": self.ca_file,
        }

    def token(self, *, service_url: str | None = None, key: SigningKey | None = None, aud: str = APP_ID,
              iss: str = "https://api.botframework.com", exp_in: int = 3600, iat_offset: int = 0,
              kid: str | None = None, alg: str = "RS256") -> str:
        key = key or self.state.keys[0]
        now = int(time.time()) + iat_offset
        claims = {"iss": iss, "aud": aud, "iat": now, "nbf": now, "exp": now + exp_in,
                  "serviceurl": service_url or self.service_url, "appid": "botframework-channel"}
        return jwt.encode(claims, key.private, algorithm=alg, headers={"kid": kid or key.kid})

    def sso_token(self, *, email: str, aud: str | None = None, tenant: str = TENANT, iss: str | None = None,
                  exp_in: int = 3600, key: SigningKey | None = None, oid: str = "oid-x") -> str:
        """An Entra access token for the app, as Teams' `getAuthToken` hands the tab."""
        key = key or self.state.entra_keys[0]
        now = int(time.time())
        claims = {"iss": iss or f"{self.base}/entra/{TENANT}/v2.0", "aud": aud or f"api://trad.test/{APP_ID}",
                  "iat": now, "nbf": now, "exp": now + exp_in, "tid": tenant, "oid": oid, "ver": "2.0",
                  "preferred_username": email, "name": "Test", "scp": "access_as_user"}
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})


def activity(kind: str = "message", *, text: str = "", user: str = "29:user-ansatt", conv: str = "a:personal-ansatt",
             conv_type: str = "personal", tenant: str = TENANT, service_url: str, value: dict | None = None,
             reply_to: str | None = None, activity_id: str | None = None, **extra: object) -> dict:
    act: dict = {
        "type": kind, "id": activity_id or f"f:{uuid.uuid4().hex}", "timestamp": "2026-11-20T10:00:00.000Z",
        "serviceUrl": service_url, "channelId": "msteams",
        "from": {"id": user, "name": "Bruker", "aadObjectId": "aad-" + user[3:]},
        "conversation": {"conversationType": conv_type, "tenantId": tenant, "id": conv},
        "recipient": {"id": BOT_ID, "name": "Tråd"},
        "channelData": {"tenant": {"id": tenant}},
        "locale": "nb-NO",
    }
    if kind == "message":
        act["text"] = text
        act["textFormat"] = "plain"
    if value is not None:
        act["value"] = value
    if reply_to:
        act["replyToId"] = reply_to
    act.update(extra)
    return act
