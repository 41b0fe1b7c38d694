"""Recipients sign in with Microsoft Entra ID: the msal authorization-code flow against a fake authority.

The real app (TestClient) talks to a fake Entra over HTTPS on 127.0.0.1 (trusted through
REQUESTS_CA_BUNDLE, as msal and requests read it); the test plays the browser: start, the
authority's redirect back with code and state, the callback, then the case list.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import AuditEntry
from models.tables.varsling import RecipientSession
from tests.varsling.entra_fake import CLIENT_ID, CLIENT_SECRET, OTHER_TENANT, TENANT, FakeEntra, Login
from tests.varsling.helpers import PASSPHRASE, give_keys, submit
from tests.varsling.webutil import csrf_of

SECRET = "test-entra-Hn5Kq8ZrVw2Lc7PxTm4YbJ9dGs3Fe6A"
START = "/varsling/mottak/entra"
CALLBACK = "/varsling/mottak/entra/svar"


@pytest.fixture(scope="module")
def fake_entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeEntra]:
    fake = FakeEntra(str(tmp_path_factory.mktemp("entra-ca")))
    yield fake
    fake.stop()


@pytest.fixture
def entra(fake_entra: FakeEntra, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEntra]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake_entra.ca_file)
    monkeypatch.setenv("SSL_CERT_FILE", fake_entra.ca_file)
    fake_entra.state.reset()
    yield fake_entra
    fake_entra.state.reset()


def _settings(db_url: str, **extra: object):  # type: ignore[no-untyped-def]
    from models.settings import Settings

    return Settings(DATABASE_URL=db_url, PUBLIC_BASE_URL="http://testserver", SECRET_KEY=SECRET,
                    SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False, TRAD_ORG="testkommune", **extra)


@pytest.fixture
def client(entra: FakeEntra, db_url: str, org) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from bot.main import create_app

    app = create_app(_settings(db_url, VARSLING_ENTRA_CLIENT_ID=CLIENT_ID, VARSLING_ENTRA_CLIENT_SECRET=CLIENT_SECRET,
                               VARSLING_ENTRA_TENANT_ID=TENANT, VARSLING_ENTRA_AUTHORITY=entra.authority))
    with TestClient(app) as c:
        yield c


def _begin(client: TestClient, entra: FakeEntra, login: Login | None) -> tuple[httpx.Response, dict]:
    """Press «Logg inn med Microsoft» and let the (fake) authority sign `login` in; returns its redirect back."""
    start = client.get(START, follow_redirects=False)
    assert start.status_code in (302, 303), start.text
    auth_uri = start.headers["location"]
    assert auth_uri.startswith(entra.authority + "/oauth2/v2.0/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(auth_uri).query).items()}
    flow_cookie = start.headers["set-cookie"]
    assert "trad_entra_flow=" in flow_cookie and "HttpOnly" in flow_cookie
    assert "samesite=lax" in flow_cookie.lower() and "Path=/varsling/mottak" in flow_cookie
    entra.state.next_login = login
    back = httpx.get(auth_uri, verify=ssl.create_default_context(cafile=entra.ca_file), follow_redirects=False)
    return back, query


def _return(client: TestClient, location: str) -> httpx.Response:
    parts = urlsplit(location)
    assert parts.path == CALLBACK
    return client.get(f"{CALLBACK}?{parts.query}", follow_redirects=False)


def _sessions(session: Session) -> int:
    return session.exec(select(func.count()).select_from(RecipientSession)).one()


def _audit(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all())


def _refused(resp: httpx.Response, status: int) -> None:
    assert resp.status_code == status, resp.text
    assert "trad_mottak=" not in resp.headers.get("set-cookie", "")


def test_recipient_signs_in_with_entra_and_sees_their_cases(client: TestClient, entra: FakeEntra, session: Session,
                                                            org) -> None:  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    ref = submit(session, org, what="Noe kritikkverdig på lageret").ref
    # The e-mail from Entra differs in case from the one in Tråd: still the same person.
    back, asked = _begin(client, entra, Login(email=org.emails["mottaker"].upper(), oid="oid-vera"))
    assert asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == "http://testserver/varsling/mottak/entra/svar"
    assert asked["response_type"] == "code"
    assert asked["state"] and asked["nonce"]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert "openid" in asked["scope"].split()
    assert back.status_code == 302

    done = _return(client, back.headers["location"])
    assert done.status_code == 200, done.text
    assert "Du er logget inn" in done.text
    cookies = done.headers.get_list("set-cookie")
    assert any(c.startswith("trad_mottak=") and "HttpOnly" in c and "SameSite=strict" in c for c in cookies)
    assert any(c.startswith("trad_entra_flow=") and "Max-Age=0" in c for c in cookies)  # the flow is spent
    # The code was redeemed with the PKCE verifier and our secret (the fake checks both).
    assert entra.state.token_requests[-1]["grant_type"] == "authorization_code"

    home = client.get("/varsling/mottak")
    assert "Lås opp nøkkelen din" in home.text
    listed = client.post("/varsling/mottak/las-opp", data={"csrf": csrf_of(home.text), "passphrase": PASSPHRASE})
    assert listed.status_code == 200
    assert "Varslingssaker" in listed.text and ref in listed.text
    signed_in = _audit(session, "varsling.signed_in")
    assert signed_in[-1].actor_id == org.people["mottaker"]
    assert signed_in[-1].detail == {"via": "entra", "oid": "oid-vera"}


def test_a_callback_with_the_wrong_state_is_refused(client: TestClient, entra: FakeEntra, session: Session,
                                                    org) -> None:  # type: ignore[no-untyped-def]
    back, _ = _begin(client, entra, Login(email=org.emails["mottaker"]))
    location = re.sub(r"state=[^&]+", "state=angriperens-state", back.headers["location"])
    resp = _return(client, location)
    _refused(resp, 400)
    assert "utløpt eller ugyldig" in resp.text
    assert entra.state.token_requests == []  # the code was never redeemed
    assert _sessions(session) == 0
    assert [a.detail["reason"] for a in _audit(session, "varsling.sign_in_refused")] == ["state"]


def test_a_replayed_callback_is_refused(client: TestClient, entra: FakeEntra, session: Session,
                                        org) -> None:  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    back, _ = _begin(client, entra, Login(email=org.emails["mottaker"]))
    flow_cookie = client.cookies.get("trad_entra_flow")
    assert _return(client, back.headers["location"]).status_code == 200
    assert _sessions(session) == 1
    # The same browser state (flow cookie) and the same code and state, sent again.
    client.cookies.clear()
    client.cookies.set("trad_entra_flow", flow_cookie, path="/varsling/mottak")  # type: ignore[arg-type]
    again = _return(client, back.headers["location"])
    _refused(again, 400)
    assert "allerede brukt" in again.text
    assert len(entra.state.token_requests) == 1  # not even sent to Microsoft a second time
    assert _sessions(session) == 1
    assert [a.detail["reason"] for a in _audit(session, "varsling.sign_in_refused")] == ["replay"]


def test_a_callback_without_this_browsers_flow_is_refused(client: TestClient, entra: FakeEntra, session: Session,
                                                          org) -> None:  # type: ignore[no-untyped-def]
    back, _ = _begin(client, entra, Login(email=org.emails["mottaker"]))
    client.cookies.clear()  # another browser (login CSRF): it never started this sign-in
    resp = _return(client, back.headers["location"])
    _refused(resp, 400)
    client.cookies.set("trad_entra_flow", "forfalsket." + '{"flow":{"state":"x"},"exp":9999999999}',
                       path="/varsling/mottak")
    _refused(_return(client, back.headers["location"]), 400)
    assert entra.state.token_requests == [] and _sessions(session) == 0


@pytest.mark.parametrize(("login", "status", "reason", "says"), [
    (Login(email="mottaker@testkommune.no", tid=OTHER_TENANT), 403, "tenant", "annen organisasjon"),
    (Login(email="leder@testkommune.no"), 403, "not_recipient", "ikke varslingsmottaker"),
    (Login(email="ukjent@andre.no"), 403, "unknown", "ingen varslingsmottaker"),
    (Login(email="mottaker@testkommune.no", forged=True), 401, "signature", "kunne ikke bekreftes"),
    (Login(email="mottaker@testkommune.no", exp_in=-3600), 401, "expired", "kunne ikke bekreftes"),
], ids=["other-tenant", "not-a-recipient", "unknown-email", "forged-signature", "expired-token"])
def test_tokens_that_do_not_name_one_of_our_recipients_are_refused(
        client: TestClient, entra: FakeEntra, session: Session, org, login: Login, status: int, reason: str,  # type: ignore[no-untyped-def]
        says: str) -> None:
    back, _ = _begin(client, entra, login)
    resp = _return(client, back.headers["location"])
    _refused(resp, status)
    assert says in resp.text
    assert _sessions(session) == 0
    refused = _audit(session, "varsling.sign_in_refused")
    assert [a.detail["reason"] for a in refused] == [reason]
    assert login.email not in str(refused[0].detail)  # who tried is not written as an address
    if reason == "not_recipient":
        assert refused[0].actor_id == org.people["leder"]
    assert _audit(session, "varsling.signed_in") == []
    assert client.get("/varsling/mottak").text.count("Logg inn") >= 1  # still signed out


def test_without_entra_configured_the_route_says_so_and_the_link_still_works(
        entra: FakeEntra, db_url: str, session: Session, org) -> None:  # type: ignore[no-untyped-def]
    from bot.main import create_app
    from models.services import varsling_keys as keys
    from tests.varsling.webutil import sign_in

    give_keys(session, org, "mottaker")
    with TestClient(create_app(_settings(db_url))) as c:
        login_page = c.get("/varsling/mottak")
        assert "Logg inn med Microsoft" not in login_page.text
        resp = c.get(START, follow_redirects=False)
        assert resp.status_code == 404
        assert "ikke satt opp" in resp.text and "lenken fra Tråd i chat" in resp.text
        assert "set-cookie" not in resp.headers
        token = keys.issue_login_token(session=session, person_id=org.people["mottaker"])
        page = sign_in(c, f"http://testserver/varsling/mottak/inn?t={token}")  # type: ignore[arg-type]
        assert "Lås opp nøkkelen din" in page.text
    assert entra.state.authorize_requests == []


def test_each_kommune_signs_in_through_its_own_tenant_and_address(
        client: TestClient, entra: FakeEntra, session: Session, org) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the redirect URI, the flow and the tenant are the kommune's (/k/alver/ and its mapped tenant);
    a token of the default kommune's tenant is refused there, and a flow of one kommune fails in another."""
    from models.services import teams_tenants
    from tests.factories import make_test_org

    alver = make_test_org(session, slug="alver")
    session.commit()
    give_keys(session, alver, "mottaker")
    teams_tenants.map_tenant(session=session, tenant_id=OTHER_TENANT, org_slug="alver")
    callback = "http://testserver/k/alver" + CALLBACK

    def begin(login: Login) -> tuple[str, str]:
        start = client.get("/k/alver" + START, follow_redirects=False)
        assert start.status_code == 302, start.text
        auth_uri = start.headers["location"]
        assert auth_uri.startswith(f"{entra.base}/{OTHER_TENANT}/oauth2/v2.0/authorize?")  # alver's own tenant
        asked = {k: v[0] for k, v in parse_qs(urlsplit(auth_uri).query).items()}
        assert asked["redirect_uri"] == callback
        cookie = start.headers["set-cookie"]
        assert cookie.startswith("trad_entra_flow__alver=") and "Path=/k/alver/varsling/mottak" in cookie
        entra.state.next_login = login
        back = httpx.get(auth_uri, verify=ssl.create_default_context(cafile=entra.ca_file), follow_redirects=False)
        assert back.headers["location"].startswith(callback + "?")
        return back.headers["location"], cookie.split(";")[0].split("=", 1)[1]

    # A token of the default kommune's tenant, for an address alver also has: refused in alver.
    location, _flow = begin(Login(email=alver.emails["mottaker"], tid=TENANT))
    refused = client.get(location, follow_redirects=False)
    _refused(refused, 403)
    assert "annen organisasjon" in refused.text
    assert [(a.org_id, a.detail["reason"]) for a in _audit(session, "varsling.sign_in_refused")] == \
        [(alver.org_id, "tenant")]
    assert _sessions(session) == 0

    # alver's flow brought to the default kommune's address: not this kommune's flow, nothing redeemed.
    location, flow = begin(Login(email=alver.emails["mottaker"], tid=OTHER_TENANT))
    client.cookies.set("trad_entra_flow", flow, path="/varsling/mottak")
    redeemed = len(entra.state.token_requests)
    _refused(client.get(CALLBACK + "?" + urlsplit(location).query, follow_redirects=False), 400)
    assert len(entra.state.token_requests) == redeemed and _sessions(session) == 0

    # The right tenant at the right address: alver's recipient is signed in to alver.
    done = client.get(location, follow_redirects=False)
    assert done.status_code == 200, done.text
    assert any(c.startswith("trad_mottak__alver=") for c in done.headers.get_list("set-cookie"))
    signed_in = _audit(session, "varsling.signed_in")
    assert [(a.org_id, a.actor_id) for a in signed_in] == [(alver.org_id, alver.people["mottaker"])]
