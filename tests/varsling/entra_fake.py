"""A fake Microsoft Entra ID authority for the recipients' sign-in, HTTPS on 127.0.0.1 with a trustme CA.

It serves what msal and our id-token check use: the tenant's OpenID configuration, an
authorize endpoint that "signs in" whoever the test chose and redirects back with a code
(recording the request so the test can check client_id, redirect_uri, state, nonce, PKCE),
a token endpoint that redeems each code once (checking the client secret, redirect URI and
PKCE verifier) for an id token signed with a test RSA key, and the JWKS. The signing key
helper comes from the Teams fakes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt

from tests.live import LoopbackHTTPS, posted_form
from tests.teams.fakes import SigningKey, new_key

CLIENT_ID = "99999999-8888-7777-6666-555555555555"
CLIENT_SECRET = "test-entra-secret-not-a-secret"
TENANT = "12345678-aaaa-bbbb-cccc-1234567890ab"
OTHER_TENANT = "87654321-dddd-eeee-ffff-ba0987654321"


@dataclass
class Login:
    """Who signs in at the next authorize call, and how the resulting id token is bent for a negative test."""

    email: str
    oid: str = "00000000-0000-0000-0000-000000000001"
    tid: str = TENANT
    exp_in: int = 3600
    forged: bool = False  # sign with a key the JWKS does not publish, under the published kid


@dataclass
class State:
    base: str = ""
    key: SigningKey = field(default_factory=lambda: new_key("entra-key-1", endorsements=[]))
    forger: SigningKey = field(default_factory=lambda: new_key("entra-key-1", endorsements=[]))
    next_login: Login | None = None
    authorize_requests: list[dict] = field(default_factory=list)
    codes: dict[str, dict] = field(default_factory=dict)
    token_requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.next_login = None
            self.authorize_requests.clear()
            self.codes.clear()
            self.token_requests.clear()


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class _Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _json(self, status: int, body: object) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802
        st = self.state
        parts = urlsplit(self.path)
        path = parts.path
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            tenant = path.split("/")[1]
            root = f"{st.base}/{tenant}"
            return self._json(200, {
                "issuer": f"{root}/v2.0", "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token", "jwks_uri": f"{st.base}/discovery/v2.0/keys",
                "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["RS256"]})
        if path == "/discovery/v2.0/keys":
            return self._json(200, {"keys": [st.key.jwk()]})
        if path.endswith("/oauth2/v2.0/authorize"):
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            with st.lock:
                st.authorize_requests.append(query)
                login = st.next_login
            if login is None:
                return self._json(400, {"error": "no user chose to sign in"})
            code = secrets.token_urlsafe(24)
            with st.lock:
                st.codes[code] = {"query": query, "login": login, "used": False}
            self.send_response(302)
            self.send_header("Location", query["redirect_uri"] + "?" + urlencode(
                {"code": code, "state": query.get("state", ""), "session_state": "fake"}))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._json(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        st = self.state
        path, form = posted_form(self)
        if not path.endswith("/oauth2/v2.0/token"):
            return self._json(404, {"error": "not found"})
        with st.lock:
            st.token_requests.append(form)
            grant = st.codes.get(form.get("code", ""))
            if grant is not None:
                used, grant["used"] = grant["used"], True
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._json(401, {"error": "invalid_client"})
        if grant is None or used:
            return self._json(400, {"error": "invalid_grant", "error_description": "code unknown or already redeemed"})
        asked = grant["query"]
        if form.get("redirect_uri") != asked.get("redirect_uri") or \
                _s256(form.get("code_verifier", "")) != asked.get("code_challenge"):
            return self._json(400, {"error": "invalid_grant", "error_description": "redirect_uri or PKCE mismatch"})
        login: Login = grant["login"]
        now = int(time.time())
        claims = {"iss": f"{st.base}/{login.tid}/v2.0", "aud": CLIENT_ID, "tid": login.tid, "oid": login.oid,
                  "sub": "sub-" + login.oid, "preferred_username": login.email, "name": "Entra Bruker",
                  "nonce": asked.get("nonce"), "iat": now if login.exp_in > 0 else now - 7200,
                  "nbf": now if login.exp_in > 0 else now - 7200, "exp": now + login.exp_in, "ver": "2.0"}
        signer = st.forger if login.forged else st.key
        id_token = jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": st.key.kid})
        return self._json(200, {"token_type": "Bearer", "scope": "openid profile", "expires_in": 3600,
                                "access_token": "at-" + secrets.token_hex(8), "id_token": id_token})


class FakeEntra:
    def __init__(self, tmp_dir: str) -> None:
        self.state = State()
        https = LoopbackHTTPS(type("H", (_Handler,), {"state": self.state}), tmp_dir, "entra-ca")
        self.ca, self.ca_file, self.server, self.thread = https.ca, https.ca_file, https.server, https.thread
        self.base = https.base
        self.state.base = self.base

    @property
    def authority(self) -> str:
        return f"{self.base}/{TENANT}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
