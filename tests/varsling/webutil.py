"""Small helpers for driving the varsling pages over HTTP in tests, as a browser without JavaScript would."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import create_engine, text

TOKEN = re.compile(r'name="token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
RECEIPT = re.compile(r'id="receipt">([\d ]+)<')
SHOWN = re.compile(r'name="shown" value="([^"]*)"')


def token_of(page: str) -> str:
    m = TOKEN.search(page)
    assert m, "no form token on the page"
    return html.unescape(m.group(1))


def send_varsel(client: httpx.Client, base: str, **fields: str) -> httpx.Response:
    """Fill the form, press «Oppdater mottakere», then «Send varsel» with the recipients left ticked."""
    page = client.get(f"{base}/varsling").text
    data: dict = {"what": "Noe galt", "where_when": "I fjor", "unit": "", "name": "", "contact": "",
                  "token": token_of(page), "lang": "nb"}
    data.update(fields)
    preview = client.post(f"{base}/varsling", data={**data, "action": "preview"}).text
    ticked = re.findall(r'name="recipient" value="(\d+)" checked', preview)
    data.update(token=token_of(preview), shown=html.unescape(SHOWN.search(preview).group(1)),  # type: ignore[union-attr]
                action="send", recipient=ticked)
    return client.post(f"{base}/varsling", data=data)


def receipt_of(page: str) -> str:
    m = RECEIPT.search(page)
    assert m, "no receipt code on the page"
    return m.group(1)


def login_links(db_url: str) -> list[tuple[int, str]]:
    """(person id, one-time link) of every sign-in link in the outbox, newest last.

    The outbox holds only placeholders; each link is minted here as the outbox worker would at delivery.
    """
    from sqlmodel import Session

    from models.services import outbox_links

    eng = create_engine(db_url)
    with eng.connect() as c:
        rows = c.execute(text("SELECT recipient_person_id, payload FROM outbox ORDER BY id")).all()
    out = []
    for pid, payload in rows:
        if isinstance(payload, str):
            import json

            payload = json.loads(payload)
        with Session(eng) as s:
            payload = outbox_links.mint(session=s, payload=payload)
        for a in payload.get("actions", []):
            if a.get("url"):
                out.append((pid, a["url"]))
    eng.dispose()
    return out


def sign_in(client: httpx.Client, link: str) -> httpx.Response:
    """Open a one-time link as the recipient would: the GET shows a button, the POST spends it."""
    page = client.get(link).text
    t = re.search(r'name="t" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    sak = re.search(r'name="sak" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    base = link.split("/varsling/")[0]
    return client.post(f"{base}/varsling/mottak/inn", data={"t": html.unescape(t), "sak": sak, "token": token_of(page)},
                       follow_redirects=True)


def csrf_of(page: str) -> str:
    m = CSRF.search(page)
    assert m, "no csrf token"
    return m.group(1)


def db_dump(db_url: str, db_path) -> bytes:  # type: ignore[no-untyped-def]
    """Everything the database holds: the raw SQLite files, or every row of every table on PostgreSQL."""
    if db_path is not None:
        data = b""
        for suffix in ("", "-wal", "-shm"):
            p = db_path.with_name(db_path.name + suffix)
            if p.exists():
                data += p.read_bytes()
        return data
    eng = create_engine(db_url)
    chunks = []
    with eng.connect() as c:
        names = [r[0] for r in c.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")).all()]
        for n in names:
            for row in c.execute(text(f'SELECT * FROM "{n}"')).all():
                chunks.append(repr(tuple(row)))
    eng.dispose()
    return "\n".join(chunks).encode("utf-8")
