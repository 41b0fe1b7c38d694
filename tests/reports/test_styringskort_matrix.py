"""The matrix columns (grouped in SQL) equal the card of each column's unit, for every roll-up."""

from __future__ import annotations

import pytest

from models.periods import parse_period
from models.services import styringskort as sk
from models.services.plan_import import import_plan, import_values
from reports import styringskort_view as skv
from tests.reports.test_styringskort_summary import NOW, VALUES

PLAN = """perspective,goal,indicator,measure,direction,frequency,units,target,red_limit,rollup
Medarbeidere,Attraktiv arbeidsgiver > Høyt nærvær,Nærvær,%,høy,måned,alle,93,90,vektet
Økonomi,Sunn økonomi,Budsjettavvik,kr,lav,måned,Oppvekst/Aurvoll skole;Oppvekst/Solvang skole,0,100000,sum
Tjenestekvalitet,Gode tjenester,Brukertilfredshet,poeng,høy,tertial,alle,4.5,4,snitt
"""


@pytest.mark.parametrize("key", ["kommune", "Oppvekst", "Oppvekst/Aurvoll skole"])
def test_matrix_columns_match_each_units_own_card(session, org, key):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    import_values(session=session, org_id=org.org_id, data=VALUES, now=NOW)
    scope = skv.scope_for(session, org_id=org.org_id, key="kommune" if key == "kommune" else str(org.units[key]))
    period = parse_period("2026-08")
    view = skv.card_view(session, org_id=org.org_id, scope=scope, period=period)
    expected_columns = {"kommune": ["Helse og omsorg", "Oppvekst"], "Oppvekst": ["Aurvoll skole", "Solvang skole"],
                        "Oppvekst/Aurvoll skole": ["Aurvoll skole"]}[key]
    assert sorted(c.label for c in view.columns) == expected_columns
    whole = sk.styringskort(session=session, org_id=org.org_id, scope=scope, period=period)
    assert [(r.light, r.reported, r.units, r.trend) for r in view.card.rows] == [
        (r.light, r.reported, r.units, r.trend) for r in whole.rows]
    assert [r.value for r in view.card.rows] == pytest.approx([r.value for r in whole.rows])
    for col in view.columns:
        own = skv.scope_for(session, org_id=org.org_id, key=col.key)
        card = sk.styringskort(session=session, org_id=org.org_id, scope=own, period=period)
        assert {r.indicator_id: r for r in card.rows} == col.cells, col.label
