"""The one way reports build a Jinja2 environment: templates in reports/templates, gettext installed.

Why one place: the summary, the politicians' reports and the printable styringskort all speak
the reader's language through `jinja2.ext.i18n` with `models.i18n`'s gettext (new style: the
template's `_()` escapes what it formats under autoescape), and show dates, numbers and
percentages with the same `fmt_*` helpers as the rest of Tråd.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from models import i18n
from reports import labels

TEMPLATES = Path(__file__).parent / "templates"


def report_env(*, autoescape: bool, **options: Any) -> Environment:
    """An environment with `_`, `ngettext`, `fmt_date`, `fmt_number`, `fmt_percent` and `lang()` as globals."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=autoescape,  # noqa: S701 - text and CSV are not HTML; HTML callers pass True
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True, **options)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(fmt_date=i18n.fmt_date, fmt_number=i18n.fmt_number, fmt_percent=i18n.fmt_percent,
                       lang=i18n.current_locale, period_label=labels.period_label, light_word=labels.light_word)
    return env
