"""`/styringskort` over HTTP: who sees which card, the scope and period choosers, the matrix, the history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.web.conftest import sign_in

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
PLAN = """perspective,goal,indicator,measure,direction,frequency,units,target,red_limit,rollup
Medarbeidere,Attraktiv arbeidsgiver > Høyt nærvær,Nærvær,%,høy,måned,alle,93,90,snitt
Økonomi,Sunn økonomi,Budsjettavvik,kr,lav,måned,Oppvekst/Aurvoll skole;Oppvekst/Solvang skole,0,100000,sum
"""
VALUES = """indicator,unit,period,value,comment
Nærvær,Oppvekst/Aurvoll skole,2026-10,92,
Nærvær,Oppvekst/Aurvoll skole,2026-11,89,
Nærvær,Oppvekst/Solvang skole,2026-11,94,
Nærvær,Helse og omsorg/Hjemmebaserte tjenester,2026-11,"91,5",
Budsjettavvik,Oppvekst/Aurvoll skole,2026-11,150000,
Budsjettavvik,Oppvekst/Solvang skole,2026-11,0,
"""


@pytest.fixture(scope="module")
def planned(web):  # type: ignore[no-untyped-def]
    from models.services.plan_import import import_plan, import_values

    with Session(web.engine()) as s:
        import_plan(session=s, org_id=web.org.org_id, data=PLAN, year=2026)
        import_values(session=s, org_id=web.org.org_id, data=VALUES, now=NOW)
    return web


def _as(web, key: str) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    sign_in(c, web, key)
    return c


def test_signed_out_is_sent_to_sign_in(planned):  # type: ignore[no-untyped-def]
    r = TestClient(planned.app).get("/styringskort", follow_redirects=False)  # type: ignore[arg-type]
    assert r.status_code == 303 and r.headers["location"].startswith("/logg-inn")


def test_leader_sees_own_unit_with_trafikklys_as_word_and_is_refused_others(planned):  # type: ignore[no-untyped-def]
    c = _as(planned, "leder")
    page = c.get("/styringskort?periode=2026-11")
    assert page.status_code == 200
    text = page.text
    assert "Styringskort – enhet Oppvekst/Aurvoll skole" in text
    assert "89 %" in text and "> rød</span>" in text  # Nærvær 89 against a red limit of 90
    assert "150\u00a0000 kr" in text  # Budsjettavvik, over its red limit too
    # The chooser offers only the leader's own unit.
    assert f'value="{planned.org.units["Oppvekst/Aurvoll skole"]}"' in text
    assert f'value="{planned.org.units["Oppvekst/Solvang skole"]}"' not in text and 'value="kommune"' not in text
    other = c.get(f"/styringskort?omfang={planned.org.units['Oppvekst/Solvang skole']}&periode=2026-11")
    assert other.status_code == 403 and "94 %" not in other.text
    assert c.get("/styringskort?omfang=kommune&periode=2026-11").status_code == 403
    assert c.get("/styringskort?omfang=987654&periode=2026-11").status_code == 404


def test_kommunalsjef_gets_a_matrix_of_the_sectors_units(planned):  # type: ignore[no-untyped-def]
    c = _as(planned, "kommunalsjef")
    text = c.get("/styringskort?periode=2026-11").text
    assert "Styringskort – sektor Oppvekst" in text and "Indikatorer per enhet" in text
    matrix = text.split("Indikatorer per enhet", 1)[1]
    assert "Aurvoll skole" in matrix and "Solvang skole" in matrix and "Hjemmebaserte" not in matrix
    assert "89 %" in matrix and "94 %" in matrix
    assert "91,5 %" in text.split("<caption>Medarbeidere", 1)[1]  # the sector mean of 89 and 94
    assert f'value="{planned.org.units["Helse og omsorg"]}"' not in text  # the chooser stays in the sector
    assert c.get(f"/styringskort?omfang={planned.org.units['Helse og omsorg']}&periode=2026-11").status_code == 403


def test_kommunedirektor_sees_the_kommune_by_sector_and_the_period_chooser_works(planned):  # type: ignore[no-untyped-def]
    c = _as(planned, "direktor")
    nov = c.get("/styringskort?periode=2026-11").text
    assert "Styringskort – kommune Testkommune" in nov
    matrix = nov.split("Indikatorer per enhet", 1)[1]
    assert "Oppvekst" in matrix and "Helse og omsorg" in matrix
    assert '<option value="2026-11" selected>' in nov
    octo = c.get("/styringskort?omfang=kommune&periode=2026-10").text
    assert '<option value="2026-10" selected>' in octo and "Oktober 2026" in octo
    assert "92 %" in octo and "89 %" not in octo
    bad = c.get("/styringskort?periode=tull")
    assert bad.status_code == 422 and "Ukjent periode" in bad.text


def test_history_page_table_and_chart(planned):  # type: ignore[no-untyped-def]
    from models.services.indicators import find_indicator

    with Session(planned.engine()) as s:
        nid = find_indicator(s, org_id=planned.org.org_id, name="Nærvær").id
    unit = planned.org.units["Oppvekst/Aurvoll skole"]
    c = _as(planned, "leder")
    page = c.get(f"/styringskort/indikator/{nid}?omfang={unit}&periode=2026-11")
    assert page.status_code == 200
    assert "Nærvær: verdier per periode" in page.text and "Enhet Oppvekst/Aurvoll skole ·" in page.text
    assert "november 2026" in page.text and "oktober 2026" in page.text and "92 %" in page.text
    assert 'alt="Linjediagram for Nærvær.' in page.text
    png = c.get(f"/styringskort/indikator/{nid}/graf.png?omfang={unit}&periode=2026-11")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    other = _as(planned, "leder2")
    assert other.get(f"/styringskort/indikator/{nid}/graf.png?omfang={unit}&periode=2026-11").status_code == 403
    assert c.get(f"/styringskort/indikator/999999?omfang={unit}&periode=2026-11").status_code == 404
