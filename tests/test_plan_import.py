"""Plan and values imports (CSV with , or ;, Windows-1252, .xlsx), all or nothing with line numbers;
the `trad plan`, `trad indikator` and `trad styringskort` commands; the demo plan."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import click
import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlmodel import select

from models.errors import ImportFailed
from models.services.plan_import import import_plan, import_values
from models.tables import (
    Goal,
    Indicator,
    IndicatorTarget,
    IndicatorUnit,
    IndicatorValue,
    IndicatorValueRevision,
)
from reports.plan_cli import register

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
PLAN = """perspective;goal;indicator;measure;direction;frequency;units;target;red_limit
Medarbeidere;Attraktiv arbeidsgiver > Høyt nærvær;Nærvær;%;høy;måned;alle;93;90
Økonomi;Sunn økonomi;Budsjettavvik;kr;lav;tertial;"Oppvekst/Aurvoll skole;Oppvekst/Solvang skole";0;100 000
"""
VALUES = """indicator,unit,period,value,comment
Nærvær,Oppvekst/Aurvoll skole,2026-11,"93,4",
Nærvær,Solvang skole,2026-11,91.5,Influensa
Budsjettavvik,Oppvekst/Aurvoll skole,2026-T2,12000,
"""


def test_plan_import_creates_then_updates_in_place(session, org):
    report = import_plan(session=session, org_id=org.org_id, data=PLAN.encode("cp1252"), year=2026)
    assert (report.created, report.updated) == (2, 0)
    again = PLAN.replace(";93;90", ";94;91").replace("alle", "Oppvekst/Aurvoll skole")
    assert import_plan(session=session, org_id=org.org_id, data=again, year=2026).updated == 2
    naerv = session.exec(select(Indicator).where(Indicator.name == "Nærvær")).one()
    assert (naerv.measure, naerv.direction, naerv.frequency) == ("%", "hoy", "month")
    assert len(session.exec(select(Indicator)).all()) == 2
    assert sorted(g.title for g in session.exec(select(Goal))) == ["Attraktiv arbeidsgiver", "Høyt nærvær", "Sunn økonomi"]
    target = session.exec(select(IndicatorTarget).where(IndicatorTarget.indicator_id == naerv.id)).one()
    assert (target.target, target.red_limit) == (94, 91)
    units = session.exec(select(IndicatorUnit).where(IndicatorUnit.indicator_id == naerv.id)).all()
    assert [u.unit_id for u in units] == [org.units["Oppvekst/Aurvoll skole"]]


def test_bad_plan_imports_nothing_and_names_each_line(session, org):
    bad = PLAN + ("Medarbeidere;Mål;Overtid;timer;høy;uke;Oppvekst/Ukjent;ti;5\n"
                  "Medarbeidere;Mål;Nærvær;%;høy;måned;alle;93;95\n")
    with pytest.raises(ImportFailed) as e:
        import_plan(session=session, org_id=org.org_id, data=bad, year=2026)
    by_line: dict[int, list[str]] = {}
    for line, msg in e.value.problems:
        by_line.setdefault(line, []).append(msg)
    assert set(by_line) == {4, 5}
    assert any("ukjent måleenhet «timer»" in m for m in by_line[4])
    assert any("frekvens" in m for m in by_line[4]) and any("ukjent enhet «Oppvekst/Ukjent»" in m for m in by_line[4])
    assert any("målverdi «ti»" in m for m in by_line[4])
    assert any("rød grense må ligge under" in m for m in by_line[5])
    assert "linje 4:" in e.value.message
    assert session.exec(select(Indicator)).all() == []


def test_values_import_with_decimal_comma_then_correction_keeps_history(session, org):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    report = import_values(session=session, org_id=org.org_id, data=VALUES, now=NOW)
    assert (report.created, report.corrected) == (3, 0)
    assert sorted(v.value for v in session.exec(select(IndicatorValue))) == [91.5, 93.4, 12000]
    fixed = VALUES.replace('"93,4"', "95")
    report = import_values(session=session, org_id=org.org_id, data=fixed, now=NOW)
    assert (report.created, report.corrected, report.unchanged) == (0, 1, 2)
    assert [r.value for r in session.exec(select(IndicatorValueRevision))] == [93.4]


def test_bad_values_import_nothing(session, org):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    bad = VALUES + ("Sykefravær,Oppvekst/Aurvoll skole,2026-11,7,\n"
                    "Nærvær,Oppvekst/Aurvoll skole,2026-11,120,\n"
                    "Nærvær,Oppvekst/Aurvoll skole,2027-02,90,\n"
                    "Budsjettavvik,Helse og omsorg/Hjemmebaserte tjenester,2026-T2,5,\n")
    with pytest.raises(ImportFailed) as e:
        import_values(session=session, org_id=org.org_id, data=bad, now=NOW)
    problems = dict(e.value.problems)
    assert "ukjent indikator «Sykefravær»" in problems[5]
    assert "mellom 0 og 100" in problems[6]
    assert "har ikke begynt" in problems[7]
    assert "rapporterer ikke" in problems[8]
    assert session.exec(select(IndicatorValue)).all() == []


def test_values_import_checks_the_importing_leader(session, org):
    import_plan(session=session, org_id=org.org_id, data=PLAN, year=2026)
    with pytest.raises(ImportFailed) as e:
        import_values(session=session, org_id=org.org_id, data=VALUES, now=NOW, actor_id=org.people["leder"])
    assert [line for line, _ in e.value.problems] == [3]  # Solvang is not hers
    assert session.exec(select(IndicatorValue)).all() == []


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_plan_and_values(session, org):
    plan = _xlsx([["perspective", "goal", "indicator", "measure", "direction", "frequency", "units", "target",
                   "red_limit"], ["Medarbeidere", "Nærvær-mål", "Nærvær", "%", "høy", "måned", "alle", 93, 90]])
    assert import_plan(session=session, org_id=org.org_id, data=plan, year=2026).created == 1
    values = _xlsx([["indicator", "unit", "period", "value", "comment"],
                    ["Nærvær", "Oppvekst/Aurvoll skole", datetime(2026, 11, 1), 93.4, None],
                    ["Nærvær", "Oppvekst/Solvang skole", "2026-10", "tja", None]])
    with pytest.raises(ImportFailed) as e:
        import_values(session=session, org_id=org.org_id, data=values, now=NOW)
    assert [line for line, _ in e.value.problems] == [3]
    good = _xlsx([["indicator", "unit", "period", "value", "comment"],
                  ["Nærvær", "Oppvekst/Aurvoll skole", datetime(2026, 11, 1), 93.4, None]])
    assert import_values(session=session, org_id=org.org_id, data=good, now=NOW).created == 1
    assert session.exec(select(IndicatorValue)).one().period == "2026-11"


@pytest.fixture
def cli():
    group = click.Group()
    register(group)
    return lambda *args: CliRunner().invoke(group, list(args), catch_exceptions=False)


def test_cli_import_and_styringskort_json(db_url, session, org, cli, tmp_path):
    (tmp_path / "plan.csv").write_text(PLAN, encoding="utf-8")
    (tmp_path / "verdier.csv").write_text(VALUES, encoding="utf-8")
    r = cli("plan", "import", str(tmp_path / "plan.csv"), "--org", "testkommune", "--year", "2026")
    assert r.exit_code == 0 and "2 nye indikatorer" in r.output
    r = cli("indikator", "import", str(tmp_path / "verdier.csv"), "--org", "testkommune")
    assert r.exit_code == 0 and "3 nye" in r.output
    r = cli("styringskort", "--sector", "Oppvekst", "--period", "2026-11", "--format", "json", "--org", "testkommune")
    card = json.loads(r.output)
    assert card["scope"] == "sector" and card["sector"] == "Oppvekst" and card["period"] == "2026-11"
    naerv = next(i for i in card["indicators"] if i["name"] == "Nærvær")
    assert naerv["value"] == pytest.approx(92.45) and naerv["light"] == "gul" and naerv["goal"] == "Høyt nærvær"
    text = cli("styringskort", "--unit", "Oppvekst/Aurvoll skole", "--period", "2026-11", "--org", "testkommune").output
    assert "🟢 grønn  Nærvær: 93,4 %" in text


def test_cli_refuses_bad_input(db_url, session, org, cli, tmp_path):
    (tmp_path / "plan.csv").write_text(PLAN.replace("høy;måned", "opp;måned"), encoding="utf-8")
    r = CliRunner().invoke(_group(), ["plan", "import", str(tmp_path / "plan.csv"), "--org", "testkommune"])
    assert r.exit_code == 1 and "linje 2: retning må være høy eller lav" in r.output
    r = CliRunner().invoke(_group(), ["styringskort", "--kommune", "--unit", "x", "--period", "2026-11"])
    assert r.exit_code == 2 and "nøyaktig én" in r.output
    r = CliRunner().invoke(_group(), ["styringskort", "--unit", "Finnes ikke", "--period", "2026-11", "--org", "testkommune"])
    assert r.exit_code == 1 and "Fant ingen enhet" in r.output


def _group() -> click.Group:
    group = click.Group()
    register(group)
    return group


def test_demo_plan_goes_through_the_imports(session):
    from models.demo import seed_demo
    from models.demo_plan import seed_demo_plan
    from models.periods import parse_period
    from models.services import org as org_svc
    from models.services import styringskort as sk
    from models.tables import Oppdrag

    seed_demo(session=session, now=NOW)
    oid = org_svc.get_org(session, slug="oyer").id
    assert "8 indikatorer" in seed_demo_plan(session, oid, now=NOW)
    card = sk.styringskort(session=session, org_id=oid, period=parse_period("2026-11"),
                           scope=sk.resolve_scope(session, org_id=oid, kommune=True))
    assert len(card.rows) == 8 and {r.perspective for r in card.rows} == {"Tjenestekvalitet", "Medarbeidere", "Økonomi"}
    assert all(r.value is not None for r in card.rows)
    lights = [r.light.value for u in org_svc.list_units(session, org_id=oid) if u.kind == "unit"
              for r in sk.styringskort(session=session, org_id=oid, period=parse_period("2026-11"),
                                       scope=sk.resolve_scope(session, org_id=oid, unit=u.path)).rows]
    assert lights.count("rød") >= 3 and lights.count("grønn") >= 10
    assert len(session.exec(select(Oppdrag).where(Oppdrag.goal_id != None)).all()) == 4  # noqa: E711
    assert len(session.exec(select(IndicatorValue)).all()) > 11 * 8 * 4
