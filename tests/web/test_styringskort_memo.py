"""Two web workers on one database keep the rendered styringskort as a memo, and every write to
the plan (through the service, an import or plain SQL) is on the very next request of both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.web.conftest import settings_for, sign_in
from tests.web.test_styringskort_pages import PLAN, VALUES

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
PAGE = "/styringskort?periode=2026-11"


@pytest.fixture(scope="module")
def two_workers(web):  # type: ignore[no-untyped-def]
    """The module's app and a second app on the same database (a second worker process's memo)."""
    from bot.main import create_app
    from models.services.plan_import import import_plan, import_values

    with Session(web.engine()) as s:
        import_plan(session=s, org_id=web.org.org_id, data=PLAN, year=2026)
        import_values(session=s, org_id=web.org.org_id, data=VALUES, now=NOW)
    clients = []
    for app in (web.app, create_app(settings_for(web.url))):
        c = TestClient(app)  # type: ignore[arg-type]
        sign_in(c, web, "kommunalsjef")
        clients.append(c)
    return web, clients


def _matrix(c: TestClient) -> str:
    r = c.get(PAGE)
    assert r.status_code == 200
    return r.text.split("Indikatorer per enhet", 1)[1]


def _memo(c: TestClient):  # type: ignore[no-untyped-def]
    return c.app.state.styringskort_memo  # type: ignore[attr-defined]


def test_a_warm_page_is_served_from_the_memo_and_a_value_written_anywhere_shows_next(two_workers):  # type: ignore[no-untyped-def]
    from models.services.indicators import record_value

    web, clients = two_workers
    for c in clients:
        assert "89 %" in _matrix(c)
        hits = _memo(c).hits
        assert "89 %" in _matrix(c) and _memo(c).hits == hits + 1  # same version: no new card
    with Session(web.engine()) as s:
        record_value(session=s, actor_id=web.org.people["leder"], indicator="Nærvær", period="2026-11", value="70",
                     now=NOW)
        s.commit()
    for c in clients:
        matrix = _matrix(c)
        assert "70 %" in matrix and "89 %" not in matrix


def test_target_unit_name_and_raw_sql_writes_show_on_the_next_request(two_workers):  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from models.services.plan_import import import_plan

    web, clients = two_workers
    for c in clients:
        assert "(mål 93 %)" in _matrix(c)
    with Session(web.engine()) as s:
        import_plan(session=s, org_id=web.org.org_id, data=PLAN.replace(",93,90,", ",95,90,"), year=2026)
    for c in clients:
        assert "(mål 95 %)" in _matrix(c) and "(mål 93 %)" not in _matrix(c)
    with web.engine().begin() as conn:  # no service at all: the database's triggers still move the version
        conn.execute(text("UPDATE unit SET name = 'Aurvoll barneskole' WHERE id = :u"),
                     {"u": web.org.units["Oppvekst/Aurvoll skole"]})
        conn.execute(text("UPDATE indicator_value SET value = 61 WHERE unit_id = :u AND period = '2026-11'"),
                     {"u": web.org.units["Oppvekst/Solvang skole"]})
    for c in clients:
        matrix = _matrix(c)
        assert "Aurvoll barneskole" in matrix and "61 %" in matrix and "94 %" not in matrix


def test_the_memo_never_skips_the_read_check(two_workers):  # type: ignore[no-untyped-def]
    web, clients = two_workers
    assert clients[0].get(PAGE).status_code == 200  # the sector's card is in the memo now
    leader = TestClient(web.app)  # type: ignore[arg-type]
    sign_in(leader, web, "leder")
    sector = web.org.units["Oppvekst"]
    r = leader.get(f"/styringskort?omfang={sector}&periode=2026-11")
    assert r.status_code == 403 and "Indikatorer per enhet" not in r.text


def test_a_value_keeps_the_layout_and_a_plan_write_moves_it(two_workers):  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from models.services.plan_version import plan_version

    web, clients = two_workers
    with Session(web.engine()) as s:
        before = plan_version(s, web.org.org_id)
    with web.engine().begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE indicator_value SET value = value + 1 WHERE org_id = :o"), {"o": web.org.org_id})
    with Session(web.engine()) as s:
        after_value = plan_version(s, web.org.org_id)
        assert after_value[0] > before[0] and after_value[1] == before[1]
    with web.engine().begin() as conn:
        conn.execute(text("DELETE FROM indicator_unit WHERE unit_id = :u"), {"u": web.org.units["Oppvekst/Solvang skole"]})
    with Session(web.engine()) as s:
        after_plan = plan_version(s, web.org.org_id)
        assert after_plan[0] > after_value[0] and after_plan[1] > after_value[1]
    for c in clients:  # Solvang reports nothing now: its column is gone, whichever worker kept the old layout
        matrix = _matrix(c)
        assert "Solvang skole" not in matrix and "Aurvoll barneskole" in matrix
