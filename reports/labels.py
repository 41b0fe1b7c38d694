"""Words of the summaries and reports in the reader's language: periods, codes and figures.

Why here and not on the typed summary: the summary is data (its JSON keeps codes and keys),
and the same summary is rendered in bokmål, nynorsk or English. Every renderer asks these
helpers inside `models.i18n.use_locale`, so a label follows the language of the block.
Labels the kommune or the domain vocabulary own (category names, statuses) are translated
at use with `_()`; the catalog that holds them is the domain's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date

from models.i18n import N_, _, current_locale, fmt_number, fmt_percent, ngettext
from models.periods import Period, parse_period
from models.vocabulary import AVVIK_CATEGORIES, AVVIK_STATUSES, OPPDRAG_STATUSES, TRAFFIC_LIGHTS

_BABEL = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}

#: The trafikklys words of `models.indicator_rules.Light` (stored lower-case) as people read them.
LIGHT_WORDS: dict[str, str] = {"grønn": N_("grønn"), "gul": N_("gul"), "rød": N_("rød"), "ingen": N_("ingen")}
NO_LIGHT = N_("Uten trafikklys (avbrutt)")


def _period(value: Period | str) -> Period:
    return parse_period(value) if isinstance(value, str) else value


def period_label(value: Period | str) -> str:
    """«november 2026», «2. tertial 2026», «året 2026» in the reader's language."""
    p = _period(value)
    if p.kind == "month":
        return format_date(date(p.year, p.index, 1), "LLLL yyyy", locale=_BABEL[current_locale()])
    if p.kind == "tertial":
        return _("{n}. tertial {year}").format(n=p.index, year=p.year)
    return _("året {year}").format(year=p.year)


def month_short(key: str) -> str:
    """A chart tick: «nov 26» / «Nov 26»."""
    p = parse_period(key)
    return format_date(date(p.year, p.index, 1), "LLL yy", locale=_BABEL[current_locale()])


def category_label(code: str) -> str:
    return _(AVVIK_CATEGORIES.get(code, code))


def avvik_status_label(code: str) -> str:
    return _(AVVIK_STATUSES.get(code, code))


def oppdrag_status_label(code: str) -> str:
    return _(OPPDRAG_STATUSES.get(code, code))


def light_label(code: str) -> str:
    """gronn | gul | rod | ingen (the oppdrag codes) as a capitalised word."""
    return _(NO_LIGHT) if code == "ingen" else _(TRAFFIC_LIGHTS.get(code, code))


def light_word(value: Any) -> str:
    """A `Light` (or its stored word) as a lower-case word: grønn, gul, rød, ingen."""
    word = str(getattr(value, "value", value))
    return _(LIGHT_WORDS.get(word, word))


def band_label(band: str) -> str:
    """A ROS band (Lav, Middels, Høy, Kritisk) as a word."""
    return _(band)


def num(value: Any) -> str:
    """A number in the reader's format (decimal comma or point); None as a dash; text as is."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return fmt_number(value)


def pct(value: float | None) -> str:
    """A percentage given as 0–100: «87,3 %» / «87.3%»; whole values without decimals."""
    if value is None:
        return "–"
    return fmt_percent(value / 100.0, 0 if float(value).is_integer() else 1)


def days(value: float | None) -> str:
    """Days with the right plural: «1 dag», «3,5 dager»."""
    if value is None:
        return "–"
    return ngettext("{n} dag", "{n} dager", 1 if value == 1 else 2).format(n=fmt_number(value))
