"""`--lang nb|nn|en` for the commands that render a summary or report, and the language otherwise.

Why one place: every rendering command takes the same option with the same default (the
kommune's default language, `DEFAULT_LOCALE`), so `trad summary`, `trad rapport` and
`trad styringskort` never disagree about what «no --lang» means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from models.i18n import LOCALES

F = TypeVar("F", bound=Callable[..., Any])

LANG_OPTION: Callable[[F], F] = click.option(
    "--lang", "lang", type=click.Choice(LOCALES), default=None,
    help="Språk: nb (bokmål), nn (nynorsk) eller en (English). Standard: kommunens (DEFAULT_LOCALE).")


def command_locale(lang: str | None, settings: Any) -> str:
    """The language a command speaks: --lang, else the kommune default."""
    return lang or settings.default_locale
