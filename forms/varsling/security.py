"""No-trace plumbing for the varsling pages: headers, scrubbing, form tokens, secret key, rate limiting.

Why a raw ASGI middleware: it runs before any route or logger sees the request, so the
client address and user agent are removed from the ASGI scope itself (only a keyed hash
of the address, under a secret that lives in memory and rotates, is kept for rate limiting).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from models.i18n import _
from models.settings import Settings

ANON_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"pragma", b"no-cache"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", ANON_CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# Request headers that identify a device or a network; removed before anything can read them.
IDENTIFYING = {b"user-agent", b"x-forwarded-for", b"x-real-ip", b"forwarded", b"referer", b"cf-connecting-ip",
               b"true-client-ip", b"x-client-ip", b"sec-ch-ua", b"sec-ch-ua-platform", b"sec-ch-ua-mobile"}
MAX_BODY = 256 * 1024
log = logging.getLogger("trad.varsling")
PREFIX = "/varsling"
RECIPIENT_PREFIX = "/varsling/mottak"


def is_anonymous_path(path: str) -> bool:
    return path.startswith(PREFIX) and not path.startswith(RECIPIENT_PREFIX)


def load_secret(settings: Settings) -> bytes:
    """SECRET_KEY, or (demo) a random key generated once into var/secret_key with mode 0600."""
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    path = Path("var") / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode("utf-8")


# ---------------------------------------------------------------- form tokens

class BadToken(Exception):
    def __init__(self, reason: str) -> None:  # expired | invalid
        super().__init__(reason)
        self.reason = reason


def _sign(secret: bytes, purpose: str, nonce: str, exp: int) -> str:
    return hmac.new(secret, f"{purpose}|{nonce}|{exp}".encode(), hashlib.sha256).hexdigest()[:40]


def make_token(secret: bytes, purpose: str, ttl: int = 3 * 3600, now: float | None = None) -> str:
    """A signed hidden-field token: proves the form came from this server, expires, and (for submits) is spent once."""
    nonce = secrets.token_urlsafe(16)
    exp = int((now or time.time()) + ttl)
    return f"{nonce}.{exp}.{_sign(secret, purpose, nonce, exp)}"


def check_token(secret: bytes, token: str | None, purpose: str, now: float | None = None) -> tuple[str, int]:
    try:
        nonce, exp_s, sig = (token or "").split(".")
        exp = int(exp_s)
    except ValueError:
        raise BadToken("invalid") from None
    if not hmac.compare_digest(sig, _sign(secret, purpose, nonce, exp)):
        raise BadToken("invalid")
    if exp < (now or time.time()):
        raise BadToken("expired")
    return nonce, exp


# ---------------------------------------------------------------- rate limiting

class FailureLimiter:
    """Limits receipt-code attempts so that nobody can try many codes, and nobody can lock the reporter out.

    - Per address: an attempt is *reserved* (counted under a lock) before the code is checked, so
      parallel requests cannot slip past the limit; a correct code gives its reservation back.
      At most `per_key` wrong codes per address and window; then that address (only) gets 429.
    - Globally: no refusal, ever. When more than `global_limit` codes were wrong in the window,
      every attempt waits `global_delay` seconds first, and at most `checks_at_once` codes are
      stretched with Argon2id at the same time. An attacker with many addresses is slowed down;
      the real reporter, from their own address, still gets in.
    - No address is stored: the per-address key is an HMAC under a random secret that lives only
      in this process and is replaced every window, so keys cannot be linked to an address later.
    """

    def __init__(self, window: float = 900, per_key: int = 5, global_limit: int = 300,
                 global_delay: float = 2.0, checks_at_once: int = 4) -> None:
        self.window, self.per_key, self.global_limit = window, per_key, global_limit
        self.global_delay = global_delay
        self._lock = threading.Lock()
        self._checks = asyncio.Semaphore(checks_at_once)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._rotate()

    def _rotate(self) -> None:
        self._secret = secrets.token_bytes(32)
        self._started = time.monotonic()
        self._counts: dict[str, int] = {}
        self._total = 0

    def _maybe_rotate(self) -> None:
        if time.monotonic() - self._started > self.window:
            self._rotate()

    def key(self, address: str) -> str:
        with self._lock:
            self._maybe_rotate()
            return hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:24]

    def begin(self, key: str) -> float | None:
        """Reserve one attempt for `key`: None if this address has none left, else seconds to wait first."""
        with self._lock:
            self._maybe_rotate()
            if self._counts.get(key, 0) >= self.per_key:
                return None
            self._counts[key] = self._counts.get(key, 0) + 1
            self._total += 1
            return self.global_delay if self._total > self.global_limit else 0.0

    def succeeded(self, key: str) -> None:
        """The code was right: give the reservation back, so a reporter can open their case often."""
        with self._lock:
            if self._counts.get(key, 0) > 0:
                self._counts[key] -= 1
                self._total = max(0, self._total - 1)

    def failures(self, key: str) -> int:
        with self._lock:
            return self._counts.get(key, 0)

    def checking(self) -> asyncio.Semaphore:
        """Held while a code is stretched (64 MiB of Argon2id each): a flood queues on the event loop,
        holding neither memory nor a worker thread, instead of exhausting them."""
        return self._checks

    base_delay = 0.25

    def delay(self, failures: int) -> float:
        """Seconds to wait before answering a failed attempt: 0.25, 0.5, 1, 2, 3…"""
        return min(self.base_delay * 2 ** (max(failures, 1) - 1), 12 * self.base_delay)


# ---------------------------------------------------------------- middleware

class PrivacyMiddleware:
    """For every /varsling path: scrub address and identifying headers, cap bodies, add strict headers.

    On the anonymous paths also drop incoming cookies and any Set-Cookie on the way out.
    """

    def __init__(self, app: Any, limiter: FailureLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        anonymous = is_anonymous_path(scope["path"])
        client = scope.get("client")
        scope = dict(scope)
        state = dict(scope.get("state") or {})
        state["rl_key"] = self.limiter.key(client[0] if client else "")
        scope["state"] = state
        scope["client"] = None
        drop = IDENTIFYING | ({b"cookie"} if anonymous else set())
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() not in drop]
        if scope["method"] == "POST":
            length = dict(scope["headers"]).get(b"content-length")
            if length is None or not length.isdigit() or int(length) > MAX_BODY:
                await _plain(send, 413, _("Innsendingen er for stor. Korte ned teksten og prøv igjen."))
                return

        started = False

        async def send_wrapper(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (anonymous and k.lower() == b"set-cookie")
                           and k.lower() not in {h for h, _ in SECURITY_HEADERS}]
                message = {**message, "headers": headers + SECURITY_HEADERS}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            # Answered here, not by Starlette's outer error handler, so a 500 carries the headers above too.
            # Only the exception's type is logged: a driver error's text can quote the submitted form.
            log.error("server error on a varsling page: %s", type(exc).__name__)
            if not started:
                await _plain(send, 500, _("Noe gikk galt hos oss. Prøv igjen senere."))


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + SECURITY_HEADERS})
    await send({"type": "http.response.body", "body": body})
