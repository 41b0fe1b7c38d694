"""Styringskort rules: trafikklys both ways and at the edges, check-ins with validation and permissions,
correction history, roll-up for a sector and the kommune, and what a leader has due."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models.errors import PermissionDenied, ValidationFailed
from models.indicator_rules import Light, parse_number, period_for, traffic_light, trend
from models.periods import parse_period
from models.services import indicators as ind_svc
from models.services import plan as plan_svc
from models.services import styringskort as sk
from models.services.plan_import import import_plan
from models.tables import AuditEntry, IndicatorValue, IndicatorValueRevision, Oppdrag

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
PLAN = """perspective,goal,indicator,measure,direction,frequency,units,target,red_limit,rollup
Medarbeidere,Attraktiv arbeidsgiver > Høyt nærvær,Nærvær,%,høy,måned,alle,93,90,snitt
Økonomi,Sunn økonomi,Budsjettavvik,kr,lav,måned,Oppvekst/Aurvoll skole;Oppvekst/Solvang skole,0,100000,sum
Tjenestekvalitet,Gode tjenester,Brukertilfredshet,poeng,høy,tertial,alle,4.5,4,snitt
"""


@pytest.mark.parametrize(("value", "direction", "light"), [
    (95, "hoy", Light.GRONN), (93, "hoy", Light.GRONN), (92.9, "hoy", Light.GUL), (90.1, "hoy", Light.GUL),
    (90, "hoy", Light.ROD), (80, "hoy", Light.ROD), (None, "hoy", Light.INGEN),
    (5, "lav", Light.GRONN), (7, "lav", Light.GRONN), (7.1, "lav", Light.GUL), (9, "lav", Light.ROD), (12, "lav", Light.ROD),
])
def test_traffic_light_both_directions_and_edges(value, direction, light):
    target, red = (93, 90) if direction == "hoy" else (7, 9)
    assert traffic_light(value, target, red, direction) is light


def test_traffic_light_without_target_or_red_limit():
    assert traffic_light(50, None, None, "hoy") is Light.INGEN
    assert traffic_light(50, 60, None, "hoy") is Light.GUL  # missed target, no red limit: never rød
    assert traffic_light(60, 60, 60, "hoy") is Light.GRONN  # meeting the target wins at a shared edge


def test_numbers_trend_and_periods():
    assert parse_number("93,4 %") == 93.4 and parse_number(" 1 200,5 kr") == 1200.5 and parse_number("tja") is None
    assert trend(5, 4) == "opp" and trend(4, 5) == "ned" and trend(4, 4) == "uendret" and trend(4, None) is None
    nov = parse_period("2026-11")
    assert period_for("month", nov).key == "2026-11"
    assert period_for("tertial", nov).key == "2026-T2"  # the 3rd tertial has not ended in November
    assert period_for("tertial", parse_period("2026-12")).key == "2026-T3"
    assert period_for("year", nov).key == "2025"


@pytest.fixture
def planned(session, org):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    return org


def _record(session, org, who="leder", **kw):
    base = dict(indicator="nærvær", period="2026-11", value="93,4", now=NOW)
    base.update(kw)
    return ind_svc.record_value(session=session, actor_id=org.people[who], **base)


def test_checkin_confirms_with_trafikklys_and_trend(session, planned):
    _record(session, planned, period="2026-10", value="91")
    r = _record(session, planned, value="93,4 %", comment="Bra måned")
    assert (r.unit, r.period, r.value, r.light, r.previous, r.trend, r.corrected) == (
        "Aurvoll skole", "2026-11", 93.4, Light.GRONN, 91.0, "opp", False)
    actions = [a.action for a in session.exec(select(AuditEntry).where(AuditEntry.entity == "indicator"))]
    assert actions == ["indicator_value.recorded", "indicator_value.recorded"]


def test_correction_keeps_history(session, planned):
    _record(session, planned, value="88")
    r = _record(session, planned, value="92", comment="Rettet: feil i lønnsrapporten")
    assert r.corrected and r.light is Light.GUL
    value = session.exec(select(IndicatorValue)).one()
    history = ind_svc.value_history(session=session, actor_id=planned.people["kommunalsjef"],
                                    indicator_id=value.indicator_id, unit_id=value.unit_id, period="2026-11")
    assert [(h.value, h.current) for h in history] == [(88.0, False), (92.0, True)]
    assert len(session.exec(select(IndicatorValueRevision)).all()) == 1


@pytest.mark.parametrize(("kw", "field", "words"), [
    (dict(indicator="sykefravær"), "indicator", "Ukjent indikator «sykefravær»"),
    (dict(value="mye"), "value", "er ikke et tall"),
    (dict(value="140"), "value", "mellom 0 og 100"),
    (dict(period="2027-01"), "period", "har ikke begynt"),
    (dict(period="2026-T3"), "period", "rapporteres per måned"),
    (dict(period="november"), "period", "Ukjent periode"),
    (dict(unit_id="solvang"), "unit", "rapporterer ikke"),
])
def test_invalid_checkins_say_why_and_store_nothing(session, planned, kw, field, words):
    if kw.get("unit_id") == "solvang":
        kw = dict(indicator="budsjettavvik", value="10", unit_id=planned.units["Helse og omsorg/Hjemmebaserte tjenester"])
        who = "hjemmeleder"
    else:
        who = "leder"
    with pytest.raises(ValidationFailed) as e:
        _record(session, planned, who=who, **kw)
    assert words in e.value.errors[field]
    assert session.exec(select(IndicatorValue)).all() == []


def test_only_the_units_leaders_and_admins_enter_values(session, planned):
    aurvoll = planned.units["Oppvekst/Aurvoll skole"]
    for who in ("leder2", "kommunalsjef", "direktor", "ansatt"):
        with pytest.raises(PermissionDenied) as e:
            _record(session, planned, who=who, unit_id=aurvoll)
        assert e.value.message == "Bare lederen for Aurvoll skole kan registrere verdier for enheten."
    with pytest.raises(PermissionDenied):
        _record(session, planned, who="ansatt")  # no unit given, and leads none
    assert session.exec(select(IndicatorValue)).all() == []
    assert session.exec(select(AuditEntry).where(AuditEntry.entity == "indicator")).all() == []
    assert _record(session, planned, who="admin", unit_id=aurvoll).unit == "Aurvoll skole"


def test_reading_along_the_line_only(session, planned):
    aurvoll = sk.resolve_scope(session, org_id=planned.org_id, unit="Oppvekst/Aurvoll skole")
    kommune = sk.resolve_scope(session, org_id=planned.org_id, kommune=True)
    nov = parse_period("2026-11")
    for who in ("leder", "kommunalsjef", "direktor", "admin"):
        sk.styringskort(session=session, org_id=planned.org_id, scope=aurvoll, period=nov, actor_id=planned.people[who])
    for who in ("leder2", "ansatt", "hjemmeleder"):
        with pytest.raises(PermissionDenied):
            sk.styringskort(session=session, org_id=planned.org_id, scope=aurvoll, period=nov, actor_id=planned.people[who])
    with pytest.raises(PermissionDenied):
        sk.styringskort(session=session, org_id=planned.org_id, scope=kommune, period=nov, actor_id=planned.people["kommunalsjef"])


def test_roll_up_mean_and_sum_for_sector_and_kommune(session, planned):
    _record(session, planned, value="94")
    _record(session, planned, who="leder2", value="88")
    _record(session, planned, who="hjemmeleder", value="97")
    _record(session, planned, indicator="budsjettavvik", value="150000", period="2026-11")
    _record(session, planned, who="leder2", indicator="budsjettavvik", value="60000", period="2026-11")
    nov = parse_period("2026-11")
    oppvekst = sk.styringskort(session=session, org_id=planned.org_id, period=nov,
                               scope=sk.resolve_scope(session, org_id=planned.org_id, sector="oppvekst"))
    rows = {r.name: r for r in oppvekst.rows}
    assert rows["Nærvær"].value == pytest.approx(91.0) and rows["Nærvær"].light is Light.GUL
    assert rows["Budsjettavvik"].value == 210000 and rows["Budsjettavvik"].target == 0
    assert rows["Budsjettavvik"].red_limit == 200000 and rows["Budsjettavvik"].light is Light.ROD  # 2 units × 100 000
    whole = sk.styringskort(session=session, org_id=planned.org_id, period=nov,
                            scope=sk.resolve_scope(session, org_id=planned.org_id, kommune=True))
    rows = {r.name: r for r in whole.rows}
    assert rows["Nærvær"].value == pytest.approx(93.0) and rows["Nærvær"].reported == 3 and rows["Nærvær"].units == 4
    assert rows["Brukertilfredshet"].light is Light.INGEN and rows["Brukertilfredshet"].period == "2026-T2"
    assert whole.counts()["Medarbeidere"][Light.GRONN] == 1
    js = sk.card_json(whole)
    assert js["scope"] == "kommune" and js["period"] == "2026-11"
    assert {"name", "perspective", "goal", "measure", "value", "target", "red_limit", "light", "previous",
            "trend"} <= set(js["indicators"][0])


def test_due_lists_what_is_missing(session, planned):
    _record(session, planned, value="94", period="2026-12")
    due = ind_svc.due_indicators(session=session, actor_id=planned.people["leder"], period=parse_period("2026-12"))
    assert [(d.indicator, d.period, d.missing) for d in due] == [
        ("Nærvær", "2026-12", False), ("Budsjettavvik", "2026-12", True), ("Brukertilfredshet", "2026-T3", True)]
    nov = ind_svc.due_indicators(session=session, actor_id=planned.people["leder"], period=parse_period("2026-11"))
    # T3 has not ended in November; T2 (deadline 10 September) is still missing, so it stays on the list, overdue
    assert [(d.indicator, d.period, d.overdue) for d in nov] == [
        ("Nærvær", "2026-11", False), ("Budsjettavvik", "2026-11", False), ("Brukertilfredshet", "2026-T2", True)]
    assert ind_svc.due_indicators(session=session, actor_id=planned.people["ansatt"], period=parse_period("2026-11")) == []


def test_a_tertial_is_due_from_its_end_until_its_deadline_then_overdue_while_missing(session, planned):
    def due(month: str) -> dict[str, tuple[str, bool]]:
        items = ind_svc.due_indicators(session=session, actor_id=planned.people["leder"], period=parse_period(month))
        return {d.indicator: (d.period, d.overdue) for d in items if d.indicator == "Brukertilfredshet"}

    # The round for August runs 1–10 September: T2 ended 31 August, so it is due, not overdue
    assert due("2026-08") == {"Brukertilfredshet": ("2026-T2", False)}
    assert due("2026-10") == {"Brukertilfredshet": ("2026-T2", True)}  # past its deadline and still missing
    _record(session, planned, indicator="brukertilfredshet", period="2026-T2", value="4,6")
    assert due("2026-10") == {}  # in, so no longer listed until T3 ends
    assert due("2026-12") == {"Brukertilfredshet": ("2026-T3", False)}


def test_oppdrag_links_to_a_goal(session, planned):
    goal = next(g for g in plan_svc.list_goals(session=session, org_id=planned.org_id) if g.title == "Høyt nærvær")
    assert goal.perspective == "Medarbeidere" and goal.indicator_names == ("Nærvær",)
    oppdrag = session.get(Oppdrag, planned.oppdrag["skolebibliotek"])
    with pytest.raises(PermissionDenied):
        plan_svc.link_oppdrag_to_goal(session=session, actor_id=planned.people["ansatt"], number=oppdrag.number,
                                      goal_id=goal.id)
    plan_svc.link_oppdrag_to_goal(session=session, actor_id=planned.people["admin"], number=oppdrag.number, goal_id=goal.id)
    assert session.get(Oppdrag, oppdrag.id).goal_id == goal.id
