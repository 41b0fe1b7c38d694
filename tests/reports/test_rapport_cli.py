"""`trad rapport`: every format through the CLI, the DOCX opened and its tables read, and clear errors."""

from __future__ import annotations

import io
import json

import docx
import pytest
from click.testing import CliRunner

from models.settings import get_settings
from reports.queries import build_summary
from tests.reports.rapport_data import build_report_dataset


@pytest.fixture
def cli(session, org, monkeypatch):
    build_report_dataset(session, org)
    monkeypatch.setenv("TRAD_ORG", "testkommune")
    get_settings.cache_clear()
    from bot.cli import main

    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["rapport", *args], catch_exceptions=False)


def _tables(path):
    """Each table of the document as (caption, rows of cell texts); the caption is the paragraph before it."""
    d = docx.Document(str(path))
    body = list(d.element.body.iterchildren())
    out = {}
    for t in d.tables:
        i = body.index(t._tbl)
        caption = "".join(x.text or "" for x in body[i - 1].iter() if x.tag.endswith("}t"))
        out[caption] = [[c.text for c in row.cells] for row in t.rows]
    return d, out


def test_tertial_json_matches_the_summary(cli, session, org):
    res = cli("tertial", "--period", "2026-T2", "--format", "json")
    assert res.exit_code == 0
    got = json.loads(res.stdout)
    want = build_summary(session=session, org_id=org.org_id, period="2026-T2").model_dump(mode="json")
    assert got["report"] == "tertial" and got["period_key"] == "2026-T2"
    assert got["avvik"] == want["avvik"] and got["checklists"] == want["internkontroll"]
    assert got["styringskort"] is None and got["omitted"]["styringskort"].startswith("Ingen mål")


def test_tertial_html_to_stdout_and_docx_to_file(cli, tmp_path):
    html = cli("tertial", "--period", "2026-t2").stdout  # html is the default; the key is case-insensitive
    assert html.startswith("<!doctype html>") and "Tertialrapport 2. tertial 2026" in html
    assert "Fall i trapp &lt;b&gt;" in html and "<b>" not in html  # names are escaped
    assert html.count("data:image/png;base64,") == 3  # the avvik chart and the matrix before and after tiltak
    out = tmp_path / "t2.docx"
    res = cli("tertial", "--period", "2026-T2", "--format", "docx", "--out", str(out))
    assert res.exit_code == 0 and f"Skrev {out}." in res.stderr and res.stdout == ""
    d, tables = _tables(out)
    assert d.paragraphs[0].text == "Tertialrapport 2. tertial 2026" and d.paragraphs[0].style.name == "Heading 1"
    assert len(d.inline_shapes) == 3
    assert all(s._inline.docPr.get("descr") for s in d.inline_shapes)  # every picture has its text alternative
    matrix = tables["Risikomatrise før tiltak: antall aktive risikoer per celle"]
    assert matrix[0][0] == "Sannsynlighet \\ konsekvens" and matrix[2][5] == "1 (kritisk)"  # S4 × K5
    assert tables["Statlige tilsyn i 2. tertial 2026"][1][:3] == ["Arbeidstilsynet", "10.06.2026", "Arbeidsmiljø"]
    top = tables["De høyeste risikoene med tiltak"][1]
    assert top[0].endswith("Fall i trapp <b>") and top[2:4] == ["20", "10"] and "Sikre trappa" in top[7]


def test_internkontroll_docx_tables(cli, tmp_path):
    out = tmp_path / "ik.docx"
    assert cli("internkontroll", "--year", "2026", "--format", "docx", "-o", str(out)).exit_code == 0
    d, tables = _tables(out)
    assert d.paragraphs[0].text == "Internkontroll 2026 – kommuneloven § 25-1"
    area = tables["Nye avvik i 2026 etter område og alvorlighet (risiko før tiltak)"]
    assert area[0] == ["Område", "Lav", "Middels", "Høy", "Kritisk", "Totalt"]
    assert area[-1][0] == "Alle områder"
    varsling = tables["Varslingssaker i 2026 (bare antall)"]
    assert [r[1] for r in varsling[1:]] == ["færre enn 5"] * 4
    # a readable heading, not the sixteen period keys of the year (issue 12)
    sectors = tables["Sjekklister besvart per sektor: månedlige, tertialvise og årlige sjekklister i året 2026"]
    assert sectors[-1][0] == "Hele kommunen"
    assert tables["Utførte tiltak i ROS-registeret"][1][2:] == ["Sikre trappa", "10.09.2026"]
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Lukket innen fristen: 9 av 11 (81,8\u00a0%)" in text and "30 dager etter at det ble meldt" in text


def test_internkontroll_json_and_html(cli, tmp_path):
    got = json.loads(cli("internkontroll", "--year", "2026", "--format", "json").stdout)
    assert got["report"] == "internkontroll" and got["year"] == 2026
    assert got["varsling"]["closed"] == {"count": None, "suppressed": "fewer_than_5"}
    out = tmp_path / "ik.html"
    assert cli("internkontroll", "--year", "2026", "--format", "html", "--out", str(out)).exit_code == 0
    assert "Avvik lukket innen fristen" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["tertial", "--period", "2026-13"], 2, "Ukjent periode «2026-13»"),
    (["tertial", "--period", "2026-11"], 2, "Tertialrapporten gjelder et tertial"),
    (["tertial", "--period", "2026"], 2, "Bruk f.eks. 2026-T2"),
    (["internkontroll", "--year", "26"], 2, "Ukjent år «26». Skriv året med fire sifre"),
    (["internkontroll", "--year", "2026-T1"], 2, "Ukjent år"),
    (["tertial", "--period", "2026-T2", "--format", "docx"], 2, "DOCX må skrives til en fil"),
    (["internkontroll", "--year", "2026", "--format", "docx"], 2, "DOCX må skrives til en fil"),
    (["tertial", "--period", "2026-T2", "--org", "finnesikke"], 2, "Fant ingen kommune med kortnavnet «finnesikke»"),
])
def test_errors_are_clear_and_nothing_is_written(cli, tmp_path, args, code, message):
    out = tmp_path / "r.out"
    with_out = [*args, "--out", str(out)] if "docx" not in args else args
    for attempt in (args, with_out):
        res = cli(*attempt)
        assert res.exit_code == code, res.output
        assert message in res.stderr and res.stdout == ""
        assert not out.exists()


def test_unwritable_out_is_a_clear_error(cli, tmp_path):
    res = cli("tertial", "--period", "2026-T2", "--format", "json", "--out", str(tmp_path / "nope" / "r.json"))
    assert res.exit_code == 1 and "Kunne ikke skrive" in res.stderr


def test_docx_is_a_valid_package(cli, tmp_path):
    out = tmp_path / "t.docx"
    cli("tertial", "--period", "2026-T3", "--format", "docx", "--out", str(out))
    d = docx.Document(io.BytesIO(out.read_bytes()))
    assert d.core_properties.title == "Tertialrapport 3. tertial 2026" and d.core_properties.language == "nb-NO"
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 2"]
    assert headings == ["Hovedtall", "Styringskort", "Oppdrag", "Avvik", "Risikobildet", "Tilsyn",
                        "Internkontroll: sjekklister"]
