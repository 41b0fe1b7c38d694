"""schemathesis against the app's own OpenAPI schema, in-process (ASGI): 0 server errors is the bar.

The web forms read their fields from the request themselves, so the schema FastAPI builds has no
request bodies for them. We add one to every POST, made of the field names the templates use,
and give each generated request a signed-in staff session and that session's valid CSRF token,
so the fuzzer reaches the code behind the CSRF check instead of stopping at 403.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import settings
from schemathesis.config import SchemathesisConfig

pytestmark = pytest.mark.fuzz

TEMPLATES = Path(__file__).resolve().parents[2] / "forms" / "templates"
# Signing out would end the session the other cases need; it takes no input worth fuzzing.
SKIP = {"/logg-ut", "/varsling/mottak/logg-ut"}
LONG = settings.default.max_examples > 100  # `make fuzz` (profile `long`)
EXAMPLES = 300 if LONG else 2
INPUT = re.compile(r"<input\b[^>]*>")
ATTR = re.compile(r'\b(name|value)="([^"]*)"')


def _form_fields() -> list[str]:
    names = set()
    for page in TEMPLATES.rglob("*.html"):
        names |= set(re.findall(r'name="([a-z_]+)"', page.read_text(encoding="utf-8")))
    return sorted(names)


def _with_form_bodies(raw: dict) -> dict:
    fields = {name: {"type": "string", "maxLength": 60} for name in _form_fields()}
    for path in list(raw["paths"]):
        if path in SKIP:
            del raw["paths"][path]
            continue
        post = raw["paths"][path].get("post")
        if post is not None and "requestBody" not in post:
            post["requestBody"] = {"required": True, "content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": fields}}}}
    return raw


@pytest.fixture(scope="module")
def signed_in(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """The app, a browser signed in both as a leader (staff pages) and as a varslingsmottaker, and both CSRF tokens."""
    from sqlmodel import Session

    from bot.main import create_app
    from models.db import get_engine, reset_engines
    from models.services import varsling_keys as keys
    from tests.varsling.helpers import give_keys
    from tests.varsling.webutil import csrf_of
    from tests.varsling.webutil import sign_in as recipient_sign_in
    from tests.web.conftest import Web, make_db, settings_for, sign_in

    url, org = make_db("sqlite", request, tmp_path_factory)
    app = create_app(settings_for(url))
    with Session(get_engine(url)) as s:
        give_keys(s, org, "mottaker")
        token = keys.issue_login_token(session=s, person_id=org.people["mottaker"])
    with TestClient(app) as client:  # type: ignore[arg-type]
        staff_csrf = sign_in(client, Web(app=app, url=url, org=org), "leder")
        recipient_sign_in(client, f"http://testserver/varsling/mottak/inn?t={token}")  # type: ignore[arg-type]
        recipient_csrf = csrf_of(client.get("/varsling/mottak").text)
        yield app, client, staff_csrf, recipient_csrf
    reset_engines()


def _tokens_for(client: TestClient, path: str) -> dict[str, str]:
    """The hidden form tokens the page at `path` hands out (anonymous forms, sign-in forms), if it has a GET."""
    page = client.get(path, follow_redirects=False)
    if page.status_code != 200:
        return {}
    found = {}
    for tag in INPUT.findall(page.text):
        attrs = dict(ATTR.findall(tag))
        if attrs.get("name") in ("token", "nonce", "csrf") and "value" in attrs:
            found[attrs["name"]] = html.unescape(attrs["value"])
    return found


def _schema() -> schemathesis.BaseSchema:
    from bot.main import create_app
    from models.settings import Settings

    # Only to read the schema: the routes are the same for every configuration of the web app.
    app = create_app(Settings(DATABASE_URL="sqlite://", SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False))
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": LONG}}})
    return schemathesis.openapi.from_dict(_with_form_bodies(app.openapi()), config=config)


schema = _schema()


@schema.parametrize()
@settings(max_examples=EXAMPLES)
def test_no_route_answers_with_a_server_error(case, signed_in) -> None:  # type: ignore[no-untyped-def]
    app, client, staff_csrf, recipient_csrf = signed_in
    if isinstance(case.body, dict):
        path = case.formatted_path
        case.body["csrf"] = recipient_csrf if path.startswith("/varsling/mottak") else staff_csrf
        case.body.update(_tokens_for(client, path))
    response = case.call(app=app, cookies=dict(client.cookies), headers={"Origin": "http://testserver"},
                         allow_redirects=False)
    assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/tiltak/9223372036854775808/utfort"), ("POST", "/tiltak/%C2%B2/utfort"),
    ("POST", "/avvik/99999999999999999999/ta"),
    ("POST", "/oppdrag/%C2%B9"), ("GET", "/sjekkliste/nei?enhet=0&punkt=%C2%B9"),
    ("POST", "/sjekkliste/nei?enhet=0&punkt=%C2%B9"),
])
def test_what_the_fuzzer_found_stays_fixed(signed_in, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    """Ids too large for SQLite's INTEGER, and digits `int()` cannot read ("²".isdigit() is true), are 4xx."""
    app, client, staff_csrf, _recipient_csrf = signed_in
    r = client.request(method, path, data={"csrf": staff_csrf, "avvik": "1"} if method == "POST" else None,
                       headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code < 500
