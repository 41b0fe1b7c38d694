"""`trad oppdrag import/export`: all or nothing with line numbers, and an export imports back unchanged."""

from datetime import date

import pytest
from sqlmodel import select

from models.errors import ImportFailed
from models.services import oppdrag_admin, oppdrag_io, oppdragsbrev
from models.services.oppdrag_admin import OppdragInput, snapshot
from models.tables import AuditEntry, Oppdrag, Oppdragsbrev, OutboxMessage

CAT = "Tiltak frå vedtatte planar"
HEADER = "letter_year;letter_issuer;letter_sector;letter_case;letter_title;title;category;owner;units;deadline;parent\n"


def _state(session):
    return [snapshot(session, o) for o in session.exec(select(Oppdrag).order_by(Oppdrag.number)).all()]


def _seed(session, org):
    letter = oppdragsbrev.create_letter(session=session, actor_id=org.people["admin"], org_id=org.org_id, year=2027,
                                        title="Oppvekst 2027", issuer="sektor", sector_id=org.units["Oppvekst"],
                                        case_ref="PS 3/27")
    o = oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                  letter_id=letter.id, data=OppdragInput(
                                      title="Leselyst, «alle» skal lese; hver dag", category=CAT,
                                      owner_id=org.people["kommunalsjef"], description="Linje 1\nLinje 2",
                                      unit_ids=(org.units["Oppvekst"],), deadline=date(2027, 6, 30)))
    oppdrag_admin.split_oppdrag(session=session, actor_id=org.people["kommunalsjef"], number=o.number,
                                title="Leselyst på Solvang", owner_id=org.people["leder2"],
                                unit_ids=(org.units["Oppvekst/Solvang skole"], org.units["Oppvekst/Aurvoll skole"]))


@pytest.mark.parametrize("xlsx", [False, True])
def test_export_imports_back_unchanged(session, org, xlsx):
    _seed(session, org)
    before, audits = _state(session), len(session.exec(select(AuditEntry)).all())
    data = oppdrag_io.export_bytes(session, org_id=org.org_id, xlsx=xlsx)
    report = oppdrag_io.import_oppdrag(session=session, org_id=org.org_id, data=data)
    assert (report.created, report.updated, report.unchanged, report.letters_created) == (0, 0, 4, 0)
    assert _state(session) == before
    assert len(session.exec(select(AuditEntry)).all()) == audits
    assert oppdrag_io.export_bytes(session, org_id=org.org_id, xlsx=False) == oppdrag_io.export_bytes(
        session, org_id=org.org_id, xlsx=False)


def test_import_windows_1252_semicolons_creates_letter_and_tells_owner(session, org):
    text = HEADER + (f"2027;kommunestyre;;PS 1/27;Kommunestyrets brev;Nytt kulturhus på Knarvik;{CAT};"
                     f"{org.emails['kommunalsjef']};Oppvekst|Oppvekst/Solvang skole;31.12.2027;\n")
    report = oppdrag_io.import_oppdrag(session=session, org_id=org.org_id, data=text.encode("cp1252"))
    assert (report.created, report.letters_created) == (1, 1)
    o = session.exec(select(Oppdrag).where(Oppdrag.title == "Nytt kulturhus på Knarvik")).one()
    assert o.deadline == date(2027, 12, 31) and o.oppdragsbrev_id is not None
    assert session.exec(select(Oppdragsbrev.case_ref)).all() == ["PS 1/27"]
    assert len(session.exec(select(OutboxMessage).where(
        OutboxMessage.recipient_person_id == org.people["kommunalsjef"])).all()) == 1


def test_bad_file_changes_nothing_and_names_every_line(session, org):
    before = _state(session)
    text = HEADER + (
        f"2027;kommunestyre;;PS 1/27;Brev;Godt oppdrag;{CAT};{org.emails['leder']};;;\n"
        f"2027;bystyret;;PS 1/27;Brev;Feil utsteder;{CAT};{org.emails['leder']};;;\n"
        f"2027;kommunestyre;;PS 1/27;Brev;Feil kategori;Tull;ingen@x.no;Oppvekst/Finnes ikke;2027-13-40;77\n")
    with pytest.raises(ImportFailed) as e:
        oppdrag_io.import_oppdrag(session=session, org_id=org.org_id, data=text.encode())
    lines = {n for n, _ in e.value.problems}
    assert lines == {3, 4}
    messages = " ".join(m for _, m in e.value.problems)
    for expected in ("letter_issuer", "ingen@x.no", "Oppvekst/Finnes ikke", "deadline", "kategori", "77"):
        assert expected in messages
    assert "linje 4" in e.value.message
    assert _state(session) == before
    assert session.exec(select(Oppdragsbrev)).all() == []
    assert session.exec(select(OutboxMessage)).all() == []


def test_missing_column_is_line_one(session, org):
    with pytest.raises(ImportFailed) as e:
        oppdrag_io.import_oppdrag(session=session, org_id=org.org_id, data=b"title,owner\nX,a@b.no\n")
    assert e.value.problems[0][0] == 1 and "category" in e.value.problems[0][1]


@pytest.fixture
def cli():
    import click
    from click.testing import CliRunner

    from reports.oppdrag_cli import register

    group = click.Group()
    register(group)
    return lambda *args: CliRunner().invoke(group, list(args), catch_exceptions=False)


def test_cli_export_then_import(db_url, session, org, cli, tmp_path):
    out = tmp_path / "oppdrag.xlsx"
    r = cli("oppdrag", "export", "--out", str(out), "--org", "testkommune")
    assert r.exit_code == 0 and out.exists()
    r = cli("oppdrag", "import", str(out), "--org", "testkommune")
    assert r.exit_code == 0 and "0 nye oppdrag, 0 endret, 2 uendret" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("title,category,owner\nX,Tull,nobody@x.no\n", encoding="utf-8")
    r = cli("oppdrag", "import", str(bad), "--org", "testkommune")
    assert r.exit_code == 1 and "linje 2" in r.output
