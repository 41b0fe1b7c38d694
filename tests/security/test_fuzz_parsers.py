"""Property tests: what people type and the files they import never crash Tråd.

Every input either parses or is refused with a typed domain error (ValidationFailed, ImportFailed)
whose message can be shown; nothing else escapes. Small in `make test` (profile `ci`), long in
`make fuzz` (profile `long`).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.conversation import intents, parsing
from models.errors import ImportFailed, ValidationFailed
from models.periods import parse_period
from models.services import org_import, tabular

pytestmark = pytest.mark.fuzz

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
# Text that looks like what people type, with the characters parsers split on, and some that break naive code.
TYPED = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80) | st.text(
    alphabet="0123456789 -./:;,kl%æøåÆØÅabcdefghijklmnopqrstuvwxyzTtMmÅå\t\n\r\"'\u00a0", max_size=40)
CELL = st.text(alphabet="abcæøå019 ,;\"'\t\r\n=+-@/%.", max_size=20) | st.sampled_from(
    ["", "leder", "ansatt;leder", "a@b.no", "Oppvekst/Aurvoll skole", "2026-11", "93,4", "=1+1", "\ufeff", "9" * 30])


@given(TYPED)
def test_intent_parser_always_answers(text: str) -> None:
    intent = intents.parse(text)
    assert isinstance(intent, intents.Intent)
    intents.looks_like_varsling(text)


@given(TYPED, st.integers(-10**6, 10**6), st.integers(-10**6, 10**6))
def test_value_parsers_return_a_value_or_none(text: str, lo: int, hi: int) -> None:
    parsing.normalise(text)
    parsing.parse_int(text, lo, hi)
    parsing.match_choice(text, [("ja", "Ja"), ("nei", "Nei"), ("hoy", "Høy")])
    assert parsing.parse_date(text, now=NOW) is None or isinstance(parsing.parse_date(text, now=NOW), date)
    moment = parsing.parse_local_datetime(text, now=NOW)
    assert moment is None or moment.tzinfo is not None


@given(TYPED | st.from_regex(r"\A-?\d{1,7}(-[Tt]?\d{1,4})?\Z"))
def test_period_parser_raises_only_validation_failed(text: str) -> None:
    try:
        parse_period(text)
    except ValidationFailed as exc:
        assert "period" in exc.errors


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


HEADERS = st.lists(st.sampled_from([*org_import.REQUIRED, "indicator", "unit", "period", "value", "x", ""]),
                   min_size=0, max_size=7)
TABLES = st.tuples(HEADERS, st.lists(st.lists(CELL, max_size=8), max_size=6), st.sampled_from([",", ";"]))


@given(TABLES, st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_csv_import_raises_only_import_failed(table, encoding: str) -> None:  # type: ignore[no-untyped-def]
    header, rows, delimiter = table
    data = _csv(header, rows, delimiter).encode(encoding, errors="replace")
    for parse in (org_import.parse_csv, lambda d: tabular.read_rows(d, ("indicator", "unit", "period", "value"))):
        try:
            parse(data)
        except ImportFailed as exc:
            assert exc.problems and all(isinstance(line, int) and msg for line, msg in exc.problems)


@given(st.binary(max_size=300) | st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b))
def test_any_bytes_raise_only_import_failed(data: bytes) -> None:
    for parse in (org_import.parse_csv, lambda d: tabular.read_rows(d, ("indicator", "unit"))):
        try:
            parse(data)
        except ImportFailed:
            pass


XLSX_CELL = CELL | st.integers(-10**12, 10**12) | st.floats(allow_nan=True, allow_infinity=True) | st.none() | \
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)) | st.booleans()


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([v if not isinstance(v, float) or v == v and abs(v) != float("inf") else str(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@given(HEADERS, st.lists(st.lists(XLSX_CELL, max_size=6), max_size=5))
def test_xlsx_import_raises_only_import_failed(header: list[str], rows: list[list[object]]) -> None:
    try:
        tabular.read_rows(_xlsx([list(header), *rows]), ("indicator", "unit", "period", "value"))
    except ImportFailed:
        pass


@given(TABLES)
def test_plan_import_raises_only_import_failed(session, org, table) -> None:  # type: ignore[no-untyped-def]
    from models.services import plan_import

    header, rows, delimiter = table
    header = list(plan_import.PLAN_COLUMNS) if len(header) % 2 else header
    try:
        plan_import.parse_plan(session, org_id=org.org_id, data=_csv(header, rows, delimiter), year=2026)
    except ImportFailed:
        pass
    session.rollback()
