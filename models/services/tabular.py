"""Reading an import file as rows: CSV with `,` or `;` in UTF-8 or Windows-1252, or an .xlsx sheet.

Every row keeps the line number a person sees in Excel or an editor, so errors can name it.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from models.errors import ImportFailed

MAX_ROWS = 50_000
Rows = list[tuple[int, dict[str, str]]]


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFailed([(1, "fila er ikke tekst i UTF-8 eller Windows-1252")]) from None


def _cell(value: object) -> str:
    """An Excel cell as the text a person typed: 93.4 not 93.40000001, a month date as 2026-11."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.year}-{value.month:02d}"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same error to the user
        raise ImportFailed([(1, "fila kunne ikke leses som et Excel-ark (.xlsx)")]) from None
    sheet = book.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def read_rows(data: bytes | str, required: tuple[str, ...]) -> Rows:
    """(line number, {column: text}) for every non-empty row; ImportFailed when columns are missing."""
    if isinstance(data, bytes) and data[:4] == b"PK\x03\x04":
        table = _xlsx(data)
    else:
        text = _text(data)
        first = text.lstrip().split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","  # Excel in Norway saves with ;
        try:
            table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise ImportFailed([(1, f"fila kan ikke leses som CSV: {exc}")]) from None
    if not table or not any(c.strip() for c in table[0]):
        raise ImportFailed([(1, "fila er tom")])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFailed([(1, f"mangler kolonne(r): {', '.join(missing)} (forventet: {','.join(required)})")])
    if len(table) > MAX_ROWS + 1:
        raise ImportFailed([(MAX_ROWS + 2, f"fila har mer enn {MAX_ROWS} rader")])
    rows: Rows = []
    for line, raw in enumerate(table[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) > len(header) and any(c.strip() for c in raw[len(header):]):
            raise ImportFailed([(line, "for mange kolonner (har et felt skilletegn uten anførselstegn?)")])
        rows.append((line, {h: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(header)}))
    if not rows:
        raise ImportFailed([(2, "fila har ingen rader")])
    return rows


def to_bytes(rows: list[list[str]], *, xlsx: bool, sheet: str) -> bytes:
    """CSV in UTF-8 with `,`, or an .xlsx sheet whose cells are all text (so a date keeps its day)."""
    if not xlsx:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    page = book.active
    assert page is not None
    page.title = sheet
    for r in rows:
        page.append(r)
    for row in page.iter_rows():
        for cell in row:
            cell.number_format = "@"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
