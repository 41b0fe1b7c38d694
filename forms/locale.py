"""The language of each web request: `?lang=`, the remembered choice, the person, the browser, the kommune.

Why a pure ASGI middleware: it sets `models.i18n`'s context variable in the request's own task
before any route runs, so every `_()` below it follows — in async routes, in dependencies and in
sync routes that Starlette runs in its threadpool (anyio copies the context into the worker
thread). A dependency that set the variable inside a worker thread would lose it on return.

The order: `?lang=` (on staff pages remembered in a cookie), the remembered cookie, the signed-in
person's `locale`, the browser's `Accept-Language`, the kommune's `DEFAULT_LOCALE`. The anonymous
varsling pages read and write no cookie at all: there only `?lang=` and the browser count.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders

from models import i18n
from models.services import web_auth

LANG_COOKIE = "trad_lang"
DROPPED = ("lang", "ok", "t", "neste", "token")
_PLAIN = re.compile(r"[\w.,-]{0,40}")
SESSION_COOKIES = ("trad_web", "trad_tab")  # the staff pages' and the Teams tab's session (forms/staff/web.py, teams_tab.py)
ONE_YEAR = 365 * 24 * 3600
NO_LOOKUP = ("/static/", "/varsling/static/", "/favicon.ico", "/styringskort.css", "/teams/fane.js")


def is_anonymous(path: str) -> bool:
    """The reporter's varsling pages: no cookie is read or set there (forms/varsling/security.py)."""
    from forms.varsling.security import is_anonymous_path

    return is_anonymous_path(path)


def from_accept_language(header: str | None) -> str | None:
    """The first supported language in an Accept-Language header, by q-value then order."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, index, tag))
    for neg_q, _index, tag in sorted(ranked):
        code = i18n.normalize(tag)
        if code and neg_q < 0:
            return code
    return None


def lang_url(path: str, query: str, code: str) -> str:
    """The same page with `lang=code` (the language switcher's links; no script needed).

    Plain filters (`?sorter=risiko`, `?enhet=4`) are kept; a one-time token, a redirect target or a
    notice is not, so the switcher never repeats what another page put in the address.
    """
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
              if k not in DROPPED and _PLAIN.fullmatch(k) and _PLAIN.fullmatch(v)]
    params.append(("lang", code))
    return f"{path}?{urlencode(params)}"


class LocaleMiddleware:
    """Chooses the request's language and sets it for everything below; remembers `?lang=` on staff pages."""

    def __init__(self, app: Any, default_locale: str, secure: bool) -> None:
        self.app = app
        self.default = i18n.normalize(default_locale) or i18n.DEFAULT_LOCALE
        self.secure = secure

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        anonymous = is_anonymous(scope["path"])
        asked = _query_lang(scope)
        locale = asked or await self._remembered(scope, anonymous)
        remember = asked if asked and not anonymous else None

        async def send_wrapper(message: dict) -> None:
            if remember and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                flags = "; Secure" if self.secure else ""
                headers.append("set-cookie", f"{LANG_COOKIE}={remember}; Path=/; Max-Age={ONE_YEAR}; "
                                             f"HttpOnly; SameSite=Lax{flags}")
            await send(message)

        with i18n.use_locale(locale):
            await self.app(scope, receive, send_wrapper)

    async def _remembered(self, scope: dict, anonymous: bool) -> str:
        headers = Headers(scope=scope)
        if not anonymous:
            cookies = _cookies(headers.get("cookie", ""))
            chosen = i18n.normalize(cookies.get(LANG_COOKIE))
            if chosen:
                return chosen
            session = next((cookies[name] for name in SESSION_COOKIES if cookies.get(name)), None)
            if session and not scope["path"].startswith(NO_LOOKUP):  # a stylesheet needs no database read
                person = i18n.normalize(await run_in_threadpool(_person_locale, scope, session))
                if person:
                    return person
        return from_accept_language(headers.get("accept-language")) or self.default


def _query_lang(scope: dict) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query):
        if key == "lang":
            return i18n.normalize(value)
    return None


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name not in out:
            out[name] = value.strip('"')
    return out


def _person_locale(scope: dict, cookie: str) -> str | None:
    """The signed-in person's stored language, read through the app's unit of work."""
    wiring = getattr(scope["app"].state, "wiring", None)
    if wiring is None:
        return None
    with wiring.uow.read() as tx:
        return web_auth.session_locale(tx, cookie)
