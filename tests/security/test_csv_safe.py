"""OWASP's rule for CSV injection (issue 14, finding 12), as a spreadsheet program would read the file."""

from __future__ import annotations

import csv
import io

import pytest

from models.csv_safe import csv_row, csv_text, safe_cell


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")'])
def test_a_cell_that_starts_like_a_formula_is_text(cell):  # type: ignore[no-untyped-def]
    [[read]] = _read(csv_row([cell]))
    assert read == "'" + cell


def test_plain_text_numbers_and_empty_cells_are_unchanged():  # type: ignore[no-untyped-def]
    line = csv_row(["Aurvoll skole", 3, -1.5, None, "a, \"b\"\nc"])
    assert line.startswith('"Aurvoll skole",3,-1.5,"",')  # numbers bare, text quoted
    assert _read(line) == [["Aurvoll skole", "3", "-1.5", "", 'a, "b"\nc']]
    assert safe_cell(-4) == -4 and safe_cell("ok") == "ok"


def test_a_document_is_its_rows():  # type: ignore[no-untyped-def]
    assert _read(csv_text([["a", "=b"], ["-c", 1]])) == [["a", "'=b"], ["'-c", "1"]]
