"""The varsling pages over HTTP against a real uvicorn: the end-to-end no-trace test and the negative cases."""

from __future__ import annotations

import html
import re
import uuid
from contextlib import closing

import httpx
import pytest

from tests.varsling.helpers import PASSPHRASE
from tests.varsling.webutil import csrf_of, db_dump, login_links, receipt_of, send_varsel, sign_in, token_of

ANON_PAGES = ["/varsling", "/varsling?lang=nn", "/varsling?lang=en", "/varsling/oppfolging", "/varsling/rutine",
              "/varsling/tilgjengelighet", "/varsling/static/varsling.css"]


def _client() -> httpx.Client:
    return httpx.Client(timeout=30, headers={"User-Agent": "TestBrowser/1.0 UNIQUE-UA-7731"})


def _recipient_client(server, person_key: str) -> httpx.Client:  # type: ignore[no-untyped-def]
    """A signed-in, unlocked recipient (spends the newest sign-in link sent to them)."""
    from models.db import get_engine, session_scope
    from models.services import varsling_keys as keys

    with session_scope(get_engine(server.db_url)) as s:
        token = keys.issue_login_token(session=s, person_id=server.org.people[person_key])
    c = _client()
    page = sign_in(c, f"{server.base}/varsling/mottak/inn?t={token}").text
    assert "Lås opp" in page
    r = c.post(f"{server.base}/varsling/mottak/las-opp", data={"csrf": csrf_of(page), "passphrase": PASSPHRASE},
               follow_redirects=True)
    assert r.status_code == 200
    return c


def test_anonymous_pages_set_no_cookie_and_strict_headers(server):  # type: ignore[no-untyped-def]
    with _client() as c:
        for path in ANON_PAGES:
            r = c.get(server.base + path, headers={"Cookie": "tracker=1"})
            assert r.status_code == 200, path
            assert "set-cookie" not in r.headers, path
            assert r.headers["cache-control"] == "no-store"
            assert r.headers["referrer-policy"] == "no-referrer"
            csp = r.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "script-src" not in csp
        page = c.get(server.base + "/varsling").text
        assert "http://" not in page.replace(server.base, "") and "https://" not in page  # no external assets
        assert "Vera Varsel" in page and "Kontrollutvalget, post@kontroll.example" in page
        assert 'lang="nn"' in c.get(server.base + "/varsling?lang=nn").text
        assert "Report censurable conditions" in c.get(server.base + "/varsling?lang=en").text


def test_end_to_end_no_trace(server):  # type: ignore[no-untyped-def]
    marker = f"MARK{uuid.uuid4().hex}"
    reply_marker = f"SVAR{uuid.uuid4().hex}"
    answer_marker = f"TAKK{uuid.uuid4().hex}"
    before_logs = len(server.logs.lines)
    with _client() as c:
        r = send_varsel(c, server.base, what=f"Hva: {marker}", where_when=f"Hvor: {marker}",
                        name=f"Navn {marker}", contact=f"{marker}@privat.example",
                        unit=str(server.org.units["Oppvekst/Aurvoll skole"]))
        assert r.status_code == 200, r.text
        assert "set-cookie" not in r.headers
        receipt = receipt_of(r.text)
        assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)
        digits = receipt.replace(" ", "")

    # the leader of the unit concerned was excluded; the others got a content-free notice
    links = login_links(server.db_url)
    notified = {pid for pid, _ in links}
    assert server.org.people["leder"] not in notified
    assert {server.org.people["mottaker"], server.org.people["leder2"]} <= notified

    # a recipient with the passphrase reads it, and answers
    rc = _recipient_client(server, "mottaker")
    with closing(rc):
        listing = rc.get(f"{server.base}/varsling/mottak").text
        vid = re.search(r'/varsling/mottak/sak/(\d+)">V-\d{4}-\d{3}', listing).group(1)  # type: ignore[union-attr]
        page = rc.get(f"{server.base}/varsling/mottak/sak/{vid}").text
        assert f"Hva: {marker}" in page and f"Navn {marker}" not in page  # identity only on request
        page = rc.post(f"{server.base}/varsling/mottak/sak/{vid}/identitet", data={"csrf": csrf_of(page)}).text
        assert f"Navn {marker}" in page
        r = rc.post(f"{server.base}/varsling/mottak/sak/{vid}/melding",
                    data={"csrf": csrf_of(page), "message": reply_marker})
        assert r.status_code == 200 and reply_marker in r.text
        sc = r.headers.get("set-cookie")
        assert sc is None  # the session cookie was set once, at sign-in

    # the reporter reads the reply with the receipt, and answers
    with _client() as c:
        page = c.get(f"{server.base}/varsling/oppfolging").text
        r = c.post(f"{server.base}/varsling/oppfolging", data={"token": token_of(page), "code": receipt, "action": "open"})
        assert r.status_code == 200 and reply_marker in r.text and marker in r.text
        r = c.post(f"{server.base}/varsling/oppfolging",
                   data={"token": token_of(r.text), "code": digits, "action": "reply", "message": answer_marker})
        assert r.status_code == 200 and answer_marker in r.text
        assert "set-cookie" not in r.headers

    dump = db_dump(server.db_url, server.db_path)
    logs = server.log_text()
    for secret in (marker, reply_marker, answer_marker, digits, receipt):
        assert secret.encode() not in dump, f"{secret} found in the database"
        assert secret not in logs, f"{secret} found in a log"
    assert b"UNIQUE-UA-7731" not in dump and "UNIQUE-UA-7731" not in logs
    new_logs = "\n".join(server.logs.lines[before_logs:])
    for m in re.finditer(r"127\.0\.0\.1'?[:,]\s*(\d+)", new_logs):
        assert int(m.group(1)) == server.port, f"client address in log: {m.group(0)}"
    assert b"127.0.0.1', " not in dump


def test_wrong_receipt_refused_then_rate_limited(server, limiter_reset):  # type: ignore[no-untyped-def]
    with _client() as c:
        page = c.get(f"{server.base}/varsling/oppfolging").text
        for i in range(5):
            r = c.post(f"{server.base}/varsling/oppfolging",
                       data={"token": token_of(page), "code": f"0000 0000 0000 000{i}", "action": "open"})
            assert r.status_code == 404 and "fant ingen sak" in r.text
            assert 'aria-invalid="true"' in r.text and 'aria-describedby="code-hint code-error"' in r.text
        r = c.post(f"{server.base}/varsling/oppfolging",
                   data={"token": token_of(page), "code": "0000 0000 0000 0009", "action": "open"})
        assert r.status_code == 429 and "For mange feil forsøk" in r.text


def test_replayed_and_foreign_tokens_refused(server):  # type: ignore[no-untyped-def]
    from forms.varsling.security import make_token

    with _client() as c:
        page = c.get(f"{server.base}/varsling").text
        data = {"what": "Replay-test", "where_when": "her", "unit": "", "name": "", "contact": "", "action": "send",
                "token": token_of(page), "shown": "|",
                "recipient": re.findall(r'name="recipient" value="(\d+)" checked', page)}
        assert c.post(f"{server.base}/varsling", data=data).status_code == 200
        r = c.post(f"{server.base}/varsling", data=data)
        assert r.status_code == 409 and "allerede sendt" in r.text
        foreign = dict(data, token=make_token(b"another-server-secret", "varsling-submit"), what="Fremmed tekst")
        r = c.post(f"{server.base}/varsling", data=foreign)
        assert r.status_code == 400 and "kunne ikke bekreftes" in r.text
        assert "Fremmed tekst" in r.text  # nothing lost: the text is back in the form
        expired = dict(data, token=make_token(server.secret.encode(), "varsling-submit", ttl=-10), what="Utløpt tekst")
        r = c.post(f"{server.base}/varsling", data=expired)
        assert r.status_code == 400 and "utløpt" in r.text and "Utløpt tekst" in r.text


def test_oversized_fields_clear_message_nothing_lost(server):  # type: ignore[no-untyped-def]
    long_text = "Lang tekst. " * 900  # 10 800 characters
    with _client() as c:
        r = send_varsel(c, server.base, what=long_text, contact="x" * 301)
        assert r.status_code == 422
        assert "Teksten er for lang. Den kan ha høyst 10000 tegn; du har skrevet 10800" in r.text
        assert html.escape(long_text, quote=False).strip() in r.text
        assert 'aria-describedby="what-hint what-error"' in r.text and 'href="#contact"' in r.text
        big = c.post(f"{server.base}/varsling", data={"what": "y" * 300_000})
        assert big.status_code == 413 and "for stor" in big.text


def test_html_and_script_rendered_inert_everywhere(server):  # type: ignore[no-untyped-def]
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with _client() as c:
        r = send_varsel(c, server.base, what=evil, where_when=evil, name=evil, contact=evil)
        assert r.status_code == 200
        receipt = receipt_of(r.text)
        bad = send_varsel(c, server.base, what=evil, where_when="", name=evil, contact=evil)
        assert bad.status_code == 422 and "<script>" not in bad.text and "&lt;script&gt;" in bad.text
        page = c.get(f"{server.base}/varsling/oppfolging").text
        r = c.post(f"{server.base}/varsling/oppfolging", data={"token": token_of(page), "code": receipt, "action": "open"})
        assert "<script>" not in r.text and "<img src=x" not in r.text and "&lt;script&gt;" in r.text
    with closing(_recipient_client(server, "mottaker")) as rc:
        listing = rc.get(f"{server.base}/varsling/mottak").text
        vid = max(int(x) for x in re.findall(r"/varsling/mottak/sak/(\d+)", listing))
        page = rc.get(f"{server.base}/varsling/mottak/sak/{vid}").text
        page = rc.post(f"{server.base}/varsling/mottak/sak/{vid}/identitet", data={"csrf": csrf_of(page)}).text
        assert "<script>" not in page and "<img src=x" not in page and page.count("&lt;script&gt;") >= 4


def test_recipient_outside_case_refused(server):  # type: ignore[no-untyped-def]
    with _client() as c:
        r = send_varsel(c, server.base, what="Gjelder Aurvoll", unit=str(server.org.units["Oppvekst/Aurvoll skole"]))
        assert r.status_code == 200
    with closing(_recipient_client(server, "mottaker")) as rc:
        listing = rc.get(f"{server.base}/varsling/mottak").text
        vid = max(int(x) for x in re.findall(r"/varsling/mottak/sak/(\d+)", listing))
    with closing(_recipient_client(server, "leder")) as lc:  # leads the unit concerned: excluded
        assert f"/varsling/mottak/sak/{vid}" not in lc.get(f"{server.base}/varsling/mottak").text
        r = lc.get(f"{server.base}/varsling/mottak/sak/{vid}")
        assert r.status_code == 403 and "ikke tilgang" in r.text and "Gjelder Aurvoll" not in r.text
    with _client() as anon:
        r = anon.get(f"{server.base}/varsling/mottak/sak/{vid}", follow_redirects=True)
        assert "Gjelder Aurvoll" not in r.text and "Logg inn" in r.text


def test_expired_case_receipt_opens_nothing(server):  # type: ignore[no-untyped-def]
    from datetime import date

    from sqlmodel import select

    from models.db import get_engine, session_scope
    from models.services import varsling_retention as retention
    from models.tables.varsling import Varsel

    with _client() as c:
        receipt = receipt_of(send_varsel(c, server.base, what="Skal slettes").text)
    with session_scope(get_engine(server.db_url)) as s:
        v = s.exec(select(Varsel).order_by(Varsel.id.desc())).first()  # type: ignore[attr-defined]
        v.status, v.closed_on = "lukket", date(2020, 1, 1)
        s.add(v)
    with session_scope(get_engine(server.db_url)) as s:
        assert v.ref in retention.purge_expired(session=s, today=date(2026, 1, 1), retention_days=365)
    with _client() as c:
        page = c.get(f"{server.base}/varsling/oppfolging").text
        r = c.post(f"{server.base}/varsling/oppfolging", data={"token": token_of(page), "code": receipt, "action": "open"})
        assert r.status_code == 404 and "Skal slettes" not in r.text


def test_one_time_link_cannot_be_reused(server):  # type: ignore[no-untyped-def]
    from models.db import get_engine, session_scope
    from models.services import varsling_keys as keys

    with session_scope(get_engine(server.db_url)) as s:
        token = keys.issue_login_token(session=s, person_id=server.org.people["mottaker"])
    with _client() as c:
        assert "Lås opp" in sign_in(c, f"{server.base}/varsling/mottak/inn?t={token}").text
        r = c.get(f"{server.base}/varsling/mottak")
        assert "Lås opp" in r.text
    with _client() as c2:
        form_token = token_of(c2.get(f"{server.base}/varsling/mottak/inn?t={token}").text)
        r = c2.post(f"{server.base}/varsling/mottak/inn", data={"t": token, "sak": "", "token": form_token})
        assert r.status_code == 403 and "brukt eller utløpt" in r.text


@pytest.mark.parametrize("path", ["/varsling/mottak", "/varsling/mottak/inn?t=x"])
def test_recipient_cookie_is_strict(server, path):  # type: ignore[no-untyped-def]
    from models.db import get_engine, session_scope
    from models.services import varsling_keys as keys

    with session_scope(get_engine(server.db_url)) as s:
        token = keys.issue_login_token(session=s, person_id=server.org.people["leder2"])
    with _client() as c:
        form_token = token_of(c.get(f"{server.base}/varsling/mottak/inn?t={token}").text)
        r = c.post(f"{server.base}/varsling/mottak/inn", data={"t": token, "sak": "", "token": form_token})
        sc = r.headers["set-cookie"].lower()
        assert "httponly" in sc and "samesite=strict" in sc and "path=/varsling/mottak" in sc
        assert c.get(server.base + path).status_code == 200
