"""Findings 1-4 and 6 of the security review (issue 14), against a real uvicorn on 127.0.0.1.

Client addresses are real: each "attacker address" is a different loopback source address
(127.0.0.N), so the server's per-address limit sees what it would see on the internet.
"""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import httpx
import pytest

from tests.varsling.webutil import login_links, receipt_of, send_varsel, token_of

PRIVACY = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
LINK_TOKEN = re.compile(r'<form method="post" action="/varsling/mottak/lenke">\s*<input type="hidden" name="token" '
                        r'value="([^"]+)"')


def _from(address: str) -> httpx.Client:
    return httpx.Client(timeout=60, transport=httpx.HTTPTransport(local_address=address))


def _wrong(c: httpx.Client, base: str, token: str, i: int) -> int:
    return c.post(f"{base}/varsling/oppfolging",
                  data={"token": token, "code": f"1111 2222 3333 {i:04d}", "action": "open"}).status_code


def _assert_private(r: httpx.Response) -> None:
    for k, v in PRIVACY.items():
        assert r.headers.get(k) == v, (r.status_code, k, r.headers.get(k))
    assert "default-src 'none'" in r.headers.get("content-security-policy", "")


def test_attacker_from_many_addresses_cannot_lock_out_the_reporter(server, limiter_reset):  # type: ignore[no-untyped-def]
    limiter = server.app.state.varsling_limiter
    limiter.global_limit = 20  # the production figure is larger; the rule is the same
    limiter.global_delay = 0.05
    with _from("127.0.0.1") as c:
        receipt = receipt_of(send_varsel(c, server.base).text)
    for n in range(2, 8):  # 6 addresses x 5 wrong codes = 30 > the global figure
        with _from(f"127.0.0.{n}") as c:
            token = token_of(c.get(f"{server.base}/varsling/oppfolging").text)
            assert [_wrong(c, server.base, token, i) for i in range(5)] == [404] * 5
            assert _wrong(c, server.base, token, 9) == 429  # this address is spent
    with _from("127.0.0.50") as c:  # the real reporter, from their own address
        page = c.get(f"{server.base}/varsling/oppfolging").text
        r = c.post(f"{server.base}/varsling/oppfolging", data={"token": token_of(page), "code": receipt, "action": "open"})
        assert r.status_code == 200 and "Noe galt" in r.text


def test_parallel_wrong_codes_from_one_address_are_counted_atomically(server, limiter_reset):  # type: ignore[no-untyped-def]
    with _from("127.0.0.60") as c:
        token = token_of(c.get(f"{server.base}/varsling/oppfolging").text)

    def one(i: int) -> int:
        with _from("127.0.0.60") as c:
            return _wrong(c, server.base, token, i)

    with ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(one, range(30)))
    assert codes.count(404) <= server.app.state.varsling_limiter.per_key
    assert codes.count(429) >= 30 - server.app.state.varsling_limiter.per_key


def test_reporter_opening_their_case_often_is_not_limited(server, limiter_reset):  # type: ignore[no-untyped-def]
    with _from("127.0.0.70") as c:
        receipt = receipt_of(send_varsel(c, server.base).text)
        for _ in range(8):
            page = c.get(f"{server.base}/varsling/oppfolging").text
            r = c.post(f"{server.base}/varsling/oppfolging",
                       data={"token": token_of(page), "code": receipt, "action": "open"})
            assert r.status_code == 200


def _login_form_token(c: httpx.Client, base: str) -> str:
    page = c.get(f"{base}/varsling/mottak").text
    m = LINK_TOKEN.search(page)
    assert m, "the link request form carries no token"
    return html.unescape(m.group(1))


def _links_to(server, key: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for pid, _ in login_links(server.db_url) if pid == server.org.people[key])


def test_link_requests_refuse_foreign_origin_and_missing_token(server):  # type: ignore[no-untyped-def]
    before = _links_to(server, "mottaker")
    with httpx.Client(timeout=30) as c:
        token = _login_form_token(c, server.base)
        r = c.post(f"{server.base}/varsling/mottak/lenke", data={"email": "mottaker@test.kommune.no", "token": token},
                   headers={"Origin": "https://evil.example"})
        assert r.status_code == 403
        r = c.post(f"{server.base}/varsling/mottak/lenke", data={"email": "mottaker@test.kommune.no"})
        assert r.status_code == 403
    assert _links_to(server, "mottaker") == before


def test_link_requests_are_limited_per_person(server):  # type: ignore[no-untyped-def]
    from models.db import get_engine, session_scope
    from models.tables import PersonRole

    with session_scope(get_engine(server.db_url)) as s:  # a recipient no case notice has sent a link to
        s.add(PersonRole(org_id=server.org.org_id, person_id=server.org.people["helseansatt"], role="varslingsmottaker"))
    email = _email_of(server, "helseansatt")

    def ask(_: int) -> int:
        with httpx.Client(timeout=30) as c:
            return c.post(f"{server.base}/varsling/mottak/lenke", headers={"Origin": server.base},
                          data={"email": email, "token": _login_form_token(c, server.base)}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(ask, range(8))) == [200] * 8  # the same answer whatever happened
    assert _links_to(server, "helseansatt") == 3


def _email_of(server, key: str) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text

    eng = create_engine(server.db_url)
    with eng.connect() as conn:
        email = conn.execute(text("SELECT email FROM person WHERE id = :i"), {"i": server.org.people[key]}).scalar_one()
    eng.dispose()
    return str(email)


def test_login_csrf_on_redeem_is_refused(server):  # type: ignore[no-untyped-def]
    from models.db import get_engine, session_scope
    from models.services import varsling_keys as keys

    with session_scope(get_engine(server.db_url)) as s:
        token = keys.issue_login_token(session=s, person_id=server.org.people["mottaker"])
    with httpx.Client(timeout=30) as c:
        r = c.post(f"{server.base}/varsling/mottak/inn", data={"t": token, "sak": ""},
                   headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "set-cookie" not in r.headers
        r = c.post(f"{server.base}/varsling/mottak/inn", data={"t": token, "sak": ""})  # no form token
        assert r.status_code == 403 and "set-cookie" not in r.headers
        page = c.get(f"{server.base}/varsling/mottak/inn?t={token}").text  # the link was not spent
        r = c.post(f"{server.base}/varsling/mottak/inn", data={"t": token, "sak": "", "token": token_of(page)},
                   headers={"Origin": server.base})
        assert r.status_code == 303 and "trad_mottak=" in r.headers["set-cookie"]


@pytest.mark.parametrize("unit", ["99999999999999999999", "-1", "0", "٣", "1e9", "2147483648"])
def test_anonymous_form_with_huge_unit_is_a_clear_4xx(server, unit):  # type: ignore[no-untyped-def]
    with httpx.Client(timeout=30) as c:
        page = c.get(f"{server.base}/varsling").text
        for action in ("preview", "send"):
            r = c.post(f"{server.base}/varsling", data={"what": "x", "where_when": "y", "unit": unit, "action": action,
                                                        "token": token_of(page), "recipient": [unit], "shown": f"{unit}|"})
            assert 200 <= r.status_code < 500, (action, r.status_code)
            _assert_private(r)


def test_every_anonymous_response_carries_the_privacy_headers(server):  # type: ignore[no-untyped-def]
    with httpx.Client(timeout=30) as c:
        _assert_private(c.get(f"{server.base}/varsling/finnes-ikke"))  # 404
        r = c.delete(f"{server.base}/varsling")
        assert r.status_code == 405
        _assert_private(r)

    from tests.varsling.test_web import _recipient_client

    rc = _recipient_client(server, "mottaker")
    with closing(rc):  # a signed-in recipient with a forged case id: refused before the database, not a 500
        for path in ("/sak/99999999999999999999", "/sak/0/eksport.json", "/sak/2147483648/status"):
            r = rc.request("POST" if path.endswith("status") else "GET", f"{server.base}/varsling/mottak{path}")
            assert r.status_code == 422, path
            _assert_private(r)


def test_a_server_error_on_the_anonymous_path_is_private(server, monkeypatch):  # type: ignore[no-untyped-def]
    from forms.varsling import reporter

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(reporter, "_form_context", boom)
    with httpx.Client(timeout=30) as c:
        r = c.get(f"{server.base}/varsling")
        assert r.status_code == 500
        _assert_private(r)
        assert "boom" not in r.text
