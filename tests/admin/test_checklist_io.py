"""`trad sjekkliste import/export`: all or nothing with line numbers, and an export imports back unchanged."""

from datetime import date

import pytest
from click.testing import CliRunner
from sqlmodel import select

from models.errors import ImportFailed
from models.services import checklist_admin, checklist_io
from models.services.checklist_admin import TemplateInput, snapshot
from models.tables import AuditEntry, ChecklistTemplate, OutboxMessage

TODAY = date(2027, 1, 20)
HEADER = "template;recurrence;due_day;publish_date;scope;units;purpose;type;item\n"


def _state(session):  # type: ignore[no-untyped-def]
    return [snapshot(session, t) for t in session.exec(select(ChecklistTemplate).order_by(ChecklistTemplate.id)).all()]


def _seed(session, org):  # type: ignore[no-untyped-def]
    checklist_admin.create_template(session=session, actor_id=org.people["admin"], org_id=org.org_id, today=TODAY,
                                    data=TemplateInput(
                                        name="HR; «årleg» sjekk, Oppvekst", recurrence="year", due_day=31,
                                        publish_on=date(2027, 1, 31), scope="sector", unit_ids=(org.units["Oppvekst"],),
                                        items=(("HMS", "Vernerunde", "Er vernerunden gjort, og \"loggført\"?"),
                                               ("Personal", "Medarbeidarsamtale", "Er samtalane haldne?"))))
    checklist_admin.create_template(session=session, actor_id=org.people["admin"], org_id=org.org_id, today=TODAY,
                                    data=TemplateInput(
                                        name="Skulane", recurrence="once", publish_on=date(2027, 3, 1), scope="units",
                                        unit_ids=(org.units["Oppvekst/Solvang skole"], org.units["Oppvekst/Aurvoll skole"]),
                                        items=(("Beredskap", "Brann", "Er brannøvinga halden?"),)))


@pytest.mark.parametrize("xlsx", [False, True])
def test_export_imports_back_unchanged(session, org, xlsx):  # type: ignore[no-untyped-def]
    _seed(session, org)
    before, audits = _state(session), len(session.exec(select(AuditEntry)).all())
    data = checklist_io.export_bytes(session, org_id=org.org_id, xlsx=xlsx)
    report = checklist_io.import_checklists(session=session, org_id=org.org_id, data=data, today=TODAY)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)  # with the factory's own template
    assert _state(session) == before
    assert len(session.exec(select(AuditEntry)).all()) == audits
    assert checklist_io.export_bytes(session, org_id=org.org_id, xlsx=False) == checklist_io.export_bytes(
        session, org_id=org.org_id, xlsx=False)


def test_import_windows_1252_semicolons_new_and_new_version(session, org):  # type: ignore[no-untyped-def]
    _seed(session, org)
    text = HEADER + (
        "Skulane;once;;01.03.2027;units;Oppvekst/Aurvoll skole|Oppvekst/Solvang skole;Beredskap;Brann;"
        "Er brannøvinga halden og evaluert?\n"
        "Heimetenesta;månedlig;15;2027-02-01;enheter;Helse og omsorg/Hjemmebaserte tjenester;HMS;Bil;Er bilane sjekka?\n")
    report = checklist_io.import_checklists(session=session, org_id=org.org_id, data=text.encode("cp1252"),
                                            today=date(2027, 3, 5))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    skulane = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.name == "Skulane")).one()
    assert skulane.version == 2  # published on 1 March, so the change is a new version
    heim = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.name == "Heimetenesta")).one()
    assert (heim.recurrence, heim.due_day, heim.scope) == ("month", 15, "units")
    told = session.exec(select(OutboxMessage.recipient_person_id).where(
        OutboxMessage.dedupe_key.startswith(f"checklist:{heim.id}:"))).all()  # type: ignore[attr-defined]
    assert told == [org.people["hjemmeleder"]]


def test_bad_file_changes_nothing_and_names_every_line(session, org):  # type: ignore[no-untyped-def]
    _seed(session, org)
    before = _state(session)
    text = HEADER + (
        "Ny;weekly;45;2027-02-30;units;Oppvekst/Finst ikkje;HMS;;Spørsmål\n"
        "Ny;weekly;45;2027-02-30;units;Oppvekst/Finst ikkje;HMS;Type;\n"
        "Ny;month;;;all;;HMS;Type;Spørsmål\n"
        ";month;;2027-01-01;all;;HMS;Type;Spørsmål\n")
    with pytest.raises(ImportFailed) as exc:
        checklist_io.import_checklists(session=session, org_id=org.org_id, data=text, today=TODAY)
    lines = {n for n, _msg in exc.value.problems}
    assert lines == {2, 3, 4, 5}
    text_all = exc.value.message
    for fragment in ("due_day", "publish_date", "Finst ikkje", "recurrence", "linje 5"):
        assert fragment in text_all
    assert _state(session) == before
    with pytest.raises(ImportFailed) as exc:
        checklist_io.import_checklists(session=session, org_id=org.org_id, data="template,item\nA,B\n")
    assert "mangler kolonne" in exc.value.message


def test_cli_round_trip(tmp_path, session, org, db_url, monkeypatch):  # type: ignore[no-untyped-def]
    from bot.cli import main

    _seed(session, org)
    session.commit()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRAD_ORG", "testkommune")
    out = tmp_path / "sjekklister.xlsx"
    r = CliRunner().invoke(main, ["sjekkliste", "export", "--out", str(out)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["sjekkliste", "import", str(out)])
    assert r.exit_code == 0, r.output
    assert "0 nye sjekklister, 0 endret, 3 uendret" in r.output
    bad = tmp_path / "feil.csv"
    bad.write_text(HEADER + "X;yearly;;2027-01-01;all;;HMS;T;Q\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["sjekkliste", "import", str(bad)])
    assert r.exit_code == 1 and "linje 2" in r.output
