"""`fmt_number` for tables of hundreds of figures: the same text, without Babel's per-call cost.

Why: `models.i18n.fmt_number` parses a CLDR pattern and the locale on every call (about 80 µs);
the kommune's styringskort matrix formats about 900 figures, which made number formatting alone
a third of the page. Here the locale's symbols are looked up once and the rounding is Babel's own
(the float's shortest decimal text, quantized half-even), so the output is character for
character what `fmt_number` gives (tests/test_styringskort_speed.py checks it in every locale).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_decimal_symbol, get_group_symbol

from models.i18n import current_locale, fmt_number

_BABEL = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}
_QUANTUM = {d: Decimal(1).scaleb(-d) for d in range(0, 7)}


@lru_cache(maxsize=8)
def _symbols(locale: str) -> tuple[str, str]:
    """(decimal, group) of a Babel locale (the pattern's minus stays an ASCII hyphen, as Babel's)."""
    return get_decimal_symbol(locale), get_group_symbol(locale)


def fast_number(value: float | int, digits: int = 1) -> str:
    """1 234,5 (nb/nn) or 1,234.5 (en); whole numbers without decimals: as `fmt_number`."""
    dec, group = _symbols(_BABEL.get(current_locale(), "nb_NO"))
    places = 0 if float(value).is_integer() else digits
    try:
        text = f"{Decimal(str(value)).quantize(_QUANTUM[places]):,f}"
    except (InvalidOperation, KeyError):  # beyond 28 digits or an odd digit count: Babel decides
        return fmt_number(value, digits)
    return text.replace(",", "\x00").replace(".", dec).replace("\x00", group)


def fast_value(value: float | None, measure: str) -> str:
    """As `indicator_rules.format_value`: «–» for none, the measure after the number."""
    if value is None:
        return "–"
    text = fast_number(value, 1)
    return f"{text} %" if measure == "%" else f"{text} {measure}"
