"""The person's language: gettext catalogs (Babel) for bokmål, nynorsk and English.

Why a context variable: a chat turn, a web request and an outbox delivery each speak to one
person, and the strings are built deep below the edge that knows who that is. The edge (or the
domain code that writes a notice to a recipient) sets the language with `use_locale`, and every
`_()` below it follows.

Why several .po files per language: the source strings are bokmål (the msgid is the nb text),
and each area of the code keeps its own catalog file (`models/locales/<lang>/LC_MESSAGES/<area>.po`),
so that people working on chat and on the web do not edit the same file. At load, a language's
files merge into one catalog. Content the kommune wrote is never passed through `_()`.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALES = ("nb", "nn", "en")
DEFAULT_LOCALE = "nb"
LOCALE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
CATALOG_DIR = Path(__file__).resolve().parent / "locales"
_TZ = ZoneInfo("Europe/Oslo")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("trad_locale", default=DEFAULT_LOCALE)


def normalize(value: str | None) -> str | None:
    """A supported locale from what a person, platform or setting says ('nn-NO', 'en_US', 'no'), else None."""
    if not value:
        return None
    code = value.strip().replace("_", "-").lower().split("-")[0]
    if code in ("no", "nob"):
        return "nb"
    if code == "nno":
        return "nn"
    return code if code in LOCALES else None


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str | None) -> contextvars.Token[str]:
    return _current.set(normalize(locale) or DEFAULT_LOCALE)


@contextmanager
def use_locale(*candidates: str | None) -> Iterator[str]:
    """Speak the first supported of `candidates` (person, platform, kommune) inside the block."""
    chosen = next((n for n in (normalize(c) for c in candidates) if n), DEFAULT_LOCALE)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def catalog_files(locale: str) -> list[Path]:
    return sorted((CATALOG_DIR / locale / "LC_MESSAGES").glob("*.po"))


@cache
def translations(locale: str) -> NullTranslations:
    """All of a language's .po files, merged and compiled in memory (no build step, no .mo in git)."""
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    merged = Catalog(locale=Locale.parse(locale.replace("nb", "nb_NO")))
    for path in catalog_files(locale):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if message.id and message.string:
                    merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(buffer)


def gettext(message: str) -> str:
    """`message` in the current language; the empty string stays empty (gettext would give the catalog header)."""
    locale = _current.get()
    return message if locale == DEFAULT_LOCALE or not message else translations(locale).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    locale = _current.get()
    if locale == DEFAULT_LOCALE:
        return singular if n == 1 else plural
    return translations(locale).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    locale = _current.get()
    return message if locale == DEFAULT_LOCALE else str(translations(locale).pgettext(context, message))


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for «mark now, translate at use»
    """Marks a module-level string for extraction; translate it with `_()` where it is shown."""
    return message


def _babel_locale() -> str:
    return {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}[_current.get()]


def fmt_date(value: date | datetime | None) -> str:
    """A date the same way everywhere in the person's language: 18.12.2026 (nb/nn), 18/12/2026 (en)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(_TZ).date() if value.tzinfo else value.date()
    return _babel_date(value, format="short" if _current.get() == "en" else "dd.MM.yyyy", locale=_babel_locale())


def fmt_datetime(value: datetime | None) -> str:
    """A local (Europe/Oslo) date and time, e.g. 18.12.2026 14:05."""
    if value is None:
        return "–"
    local = value.astimezone(_TZ) if value.tzinfo else value
    return f"{fmt_date(local.date())} {local.strftime('%H:%M')}"


def fmt_long_date(value: date) -> str:
    """«18. desember 2026» / «18 December 2026»."""
    return _babel_date(value, format="long", locale=_babel_locale())


def fmt_datetime_long(value: datetime) -> str:
    return _babel_datetime(value.astimezone(_TZ), format="medium", locale=_babel_locale())


def fmt_number(value: float | int, digits: int = 1) -> str:
    """1 234,5 (nb/nn) or 1,234.5 (en); whole numbers without decimals."""
    pattern = "#,##0" if float(value).is_integer() else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern, locale=_babel_locale())


def fmt_percent(fraction: float | None, digits: int = 0) -> str:
    """0.873 → «87 %» (nb/nn) or «87%» (en); None → «–»."""
    if fraction is None:
        return "–"
    locale = _babel_locale()
    own = Locale.parse(locale).percent_formats[None].pattern  # «#,##0 %» (nb/nn) or «#,##0%» (en)
    pattern = own.replace("#,##0", "#,##0" + ("." + "0" * digits if digits else ""), 1)
    return format_percent(fraction, format=pattern, locale=locale)
