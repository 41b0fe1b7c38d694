"""One app per module and backend for the staff web tests, driven by TestClient (no network) or uvicorn (browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import Session

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')
SECRET = "test-web-Qx7vN2pLk9RzT4mWc8YhJd3FbE6sGa1U"  # a fixed value that passes the strength rule


@dataclass
class Web:
    app: object
    url: str
    org: object
    base: str = "http://testserver"

    def engine(self):  # type: ignore[no-untyped-def]
        from models.db import get_engine

        return get_engine(self.url)


def make_db(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from models.db import get_engine
    from tests.factories import make_test_org
    from tests.live import module_database

    url, _ = module_database(backend, request, tmp_path_factory, "staff-web")
    with Session(get_engine(url), expire_on_commit=False) as s:
        org = make_test_org(s)
    return url, org


def settings_for(url: str, base: str = "http://testserver", **extra: object):  # type: ignore[no-untyped-def]
    from models.settings import Settings

    return Settings(DATABASE_URL=url, PUBLIC_BASE_URL=base, SECRET_KEY=SECRET, SCHEDULER_ENABLED=False,
                    OUTBOX_WORKER_ENABLED=False, TRAD_ORG="testkommune", **extra)


@pytest.fixture(scope="module")
def web(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    from bot.main import create_app
    from models.db import reset_engines

    url, org = make_db(backend, request, tmp_path_factory)
    app = create_app(settings_for(url))
    yield Web(app=app, url=url, org=org)
    reset_engines()


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["t"][0]


def sign_in(client, web: Web, key: str) -> str:  # type: ignore[no-untyped-def]
    """Sign `key` in through the real link pages (GET confirmation, POST); returns the CSRF token."""
    from models.services import web_auth

    with Session(web.engine()) as s:
        link = web_auth.issue_link(session=s, person_id=web.org.people[key], public_base_url=web.base)  # type: ignore[attr-defined]
    page = client.get(urlparse(link).path + "?" + urlparse(link).query)
    assert page.status_code == 200
    r = client.post("/logg-inn/lenke", data={"t": token_of(link), "token": TOKEN.search(page.text).group(1)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    home = client.get("/")
    assert home.status_code == 200
    return CSRF.search(home.text).group(1)  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def _no_smtp_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
