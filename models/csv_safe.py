"""CSV cells that a spreadsheet program will not run as a formula (OWASP "CSV Injection").

Why one helper: every CSV export (reports today, any export tomorrow) must follow the same rule,
and a second hand-written copy is where a character gets forgotten (the reports' own copy
missed the leading tab and carriage return).

The rule, from OWASP: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a single quote in front, so the program shows it as text; and every text cell is
wrapped in double quotes, with double quotes inside it doubled, so a comma or a quote in the
text cannot start a new cell. Numbers are written as numbers (a negative number is a number,
not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with a leading single quote if it is text that starts like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any], *, lineterminator: str = "\n") -> str:
    """One CSV line: text cells made safe and quoted, numbers and empty cells left bare."""
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator=lineterminator).writerow(
        ["" if v is None else safe_cell(v) for v in values])
    return buf.getvalue()


def csv_text(rows: Iterable[Iterable[Any]], *, lineterminator: str = "\n") -> str:
    """A whole CSV document, every row through `csv_row`."""
    return "".join(csv_row(r, lineterminator=lineterminator) for r in rows)
