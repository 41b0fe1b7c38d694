"""Numbers typed into forms and URLs, range-checked before they reach the database.

Why: an id like `99999999999999999999` is a valid Python int but overflows SQLite's and
PostgreSQL's integer columns, and the driver error became a server error (500). Every id a
form or a path carries goes through `form_id` first; anything that is not a plain decimal
in the columns' range is treated as "no such thing".
"""

from __future__ import annotations

# The largest value of a 32-bit signed INTEGER column (PostgreSQL `integer`); ids never get near it.
MAX_ID = 2**31 - 1


def form_id(value: object) -> int | None:
    """The positive id `value` names, or None if it is not ASCII digits within 1..MAX_ID."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def too_big(value: str) -> bool:
    """Whether `value` is a decimal number beyond what an INTEGER column holds (other text is left to the domain)."""
    text = value.strip()
    return text.isascii() and text.isdigit() and int(text[:12]) > MAX_ID
