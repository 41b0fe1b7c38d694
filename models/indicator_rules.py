"""The styringskort rules as pure functions: trafikklys, trend, plausible values, which period counts.

Kept apart from the database so every edge (chat, web, summaries, CLI) colours an
indicator the same way, and the rules are testable alone.
"""

from __future__ import annotations

import math
import re
from datetime import date
from enum import StrEnum

from models.i18n import N_, _, fmt_number
from models.periods import Period
from models.vocabulary import Labels

MEASURES = ("%", "antall", "dager", "kr", "poeng")
MEASURE_ALIASES = {"prosent": "%", "pst": "%", "pst.": "%", "stk": "antall", "dag": "dager", "kroner": "kr",
                   "nok": "kr", "poeng": "poeng", "skår": "poeng", "score": "poeng"}
DIRECTIONS = {"høy": "hoy", "hoy": "hoy", "høg": "hoy", "høyt": "hoy", "lav": "lav", "lavt": "lav", "låg": "lav"}
DIRECTION_LABELS = Labels({"hoy": N_("høy"), "lav": N_("lav")})
FREQUENCIES = {"måned": "month", "maned": "month", "mnd": "month", "månad": "month", "tertial": "tertial",
               "år": "year", "ar": "year", "årlig": "year"}
FREQUENCY_LABELS = Labels({"month": N_("måned"), "tertial": N_("tertial"), "year": N_("år")})
ROLLUPS = {"sum": "sum", "snitt": "mean", "gjennomsnitt": "mean", "mean": "mean", "vektet": "weighted",
           "vektet snitt": "weighted", "weighted": "weighted"}
ROLLUP_LABELS = Labels({"sum": N_("sum"), "mean": N_("snitt"), "weighted": N_("vektet snitt")})
# Plausible ranges per measure: a value outside is almost surely a typing error.
RANGES: dict[str, tuple[float, float]] = {"%": (0, 100), "antall": (0, 1e9), "dager": (0, 10_000),
                                          "kr": (-1e12, 1e12), "poeng": (-1000, 1000)}
_NUMBER = re.compile(r"^[-+−]?\d+(?:[.,]\d+)?$")


class Light(StrEnum):
    """Trafikklys as words, so no screen relies on colour alone."""

    GRONN = "grønn"
    GUL = "gul"
    ROD = "rød"
    INGEN = "ingen"


LIGHT_SYMBOLS = {Light.GRONN: "🟢", Light.GUL: "🟡", Light.ROD: "🔴", Light.INGEN: "⚪"}


def default_rollup(measure: str) -> str:
    """Counts and money add up across units; rates and scores are averaged."""
    return "sum" if measure in ("antall", "kr") else "mean"


def traffic_light(value: float | None, target: float | None, red_limit: float | None, direction: str) -> Light:
    """Grønn when the value meets the target, rød at or beyond the red limit, gul in between.

    `direction` "hoy" means higher is better, "lav" lower is better. Meeting the target wins
    when target and red limit are equal; without a red limit a missed target is gul.
    """
    if value is None or target is None:
        return Light.INGEN
    better = (lambda a, b: a >= b) if direction == "hoy" else (lambda a, b: a <= b)
    if better(value, target):
        return Light.GRONN
    if red_limit is not None and better(red_limit, value):
        return Light.ROD
    return Light.GUL


def trend(value: float | None, previous: float | None) -> str | None:
    """"opp", "ned" or "uendret" against the previous period; None when either is missing."""
    if value is None or previous is None:
        return None
    if math.isclose(value, previous, rel_tol=1e-9, abs_tol=1e-9):
        return "uendret"
    return "opp" if value > previous else "ned"


def improving(value: float | None, previous: float | None, direction: str) -> bool | None:
    """Whether the move since the previous period is for the better (None: no move or no data)."""
    t = trend(value, previous)
    if t is None or t == "uendret":
        return None
    return (t == "opp") == (direction == "hoy")


def parse_number(text: str | float | int) -> float | None:
    """A number as people type it: decimal comma or point, spaces as thousand separators,
    a trailing % or kr. None when it is not a number."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text) if math.isfinite(text) else None
    t = str(text).strip().lower().replace("\u00a0", "").replace(" ", "")
    for suffix in ("%", "prosent", "kr", "nok", ",-"):
        t = t.removesuffix(suffix)
    if not _NUMBER.match(t):
        return None
    return float(t.replace(",", ".").replace("−", "-"))


def implausible(value: float, measure: str) -> str | None:
    """A message in the person's language when the value cannot be right for the measure, else None."""
    low, high = RANGES.get(measure, (-1e12, 1e12))
    if low <= value <= high:
        return None
    if measure == "%":
        return _("{value} % er ikke mulig: en prosent må være mellom 0 og 100.").format(value=format_number(value))
    if low == 0 and value < 0:
        return _("{value} er ikke mulig: {measure} kan ikke være negativt.").format(
            value=format_number(value), measure=measure)
    return _("{value} er urimelig stort for {measure}; sjekk tallet.").format(value=format_number(value), measure=measure)


def period_for(frequency: str, period: Period) -> Period:
    """The indicator's own period that a card for `period` shows: the latest one that has ended
    by the end of `period` (a tertial indicator on a November card shows the 2nd tertial)."""
    last_month = period.first_month() + period.month_count() - 1
    if frequency == "month":
        own = Period("month", period.year, last_month)
    elif frequency == "tertial":
        own = Period("tertial", period.year, (last_month - 1) // 4 + 1)
    else:
        own = Period("year", period.year, 1)
    return own if own.end_date() <= period.end_date() else own.previous()


def is_future(period: Period, today: date) -> bool:
    """A period that has not begun yet cannot have a value."""
    return period.start_date() > today


def format_number(value: float | None) -> str:
    """In the person's language (1\u00a0234,5 or 1,234.5), no needless decimals."""
    if value is None:
        return "–"
    return fmt_number(value, 1)


def format_value(value: float | None, measure: str) -> str:
    if value is None:
        return "–"
    text = format_number(value)
    return f"{text} %" if measure == "%" else f"{text} {measure}"
