"""The styringskort as HTML: one fragment (the card per perspective and the matrix) shared by the
web page and the printable file of `trad styringskort --format html`, so both look the same.

Jinja2 with autoescape: unit, goal and indicator names are typed in by people.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from models.i18n import N_, _, fmt_date
from models.indicator_rules import format_value
from models.services.styringskort import CardRow
from reports.fast_numbers import fast_value
from reports.jinja_env import TEMPLATES, report_env
from reports.styringskort_cells import light_html, matrix_rows
from reports.styringskort_view import LIGHT_CLASS, LIGHT_SHAPES, CardView, HistoryPoint

CSS = (TEMPLATES / "styringskort.css").read_text(encoding="utf-8")
ARROWS = {"opp": "↑", "ned": "↓", "uendret": "→"}
#: The trend words (stored codes opp / ned / uendret) as people read them.
TREND_WORDS = {"opp": N_("opp"), "ned": N_("ned"), "uendret": N_("uendret")}
_ENV = report_env(autoescape=True)
_COMMON: dict[str, Any] = {"light_class": LIGHT_CLASS, "light_shape": LIGHT_SHAPES, "arrows": ARROWS,
                           "fmt": format_value, "trend_word": lambda t: _(TREND_WORDS.get(t) or str(t))}


@dataclass(frozen=True)
class History:
    row: CardRow
    table: Markup
    chart: str | None  # a data URI
    alt: str


def card_fragment(view: CardView, *, indicator_url: Callable[[CardRow], str] | None = None,
                  scope_url: Callable[[str], str] | None = None) -> Markup:
    """The card per perspective and the indicators × units matrix; links only where given (the web).

    The matrix body comes ready-made from `styringskort_cells` and numbers from `fast_numbers`
    (same text, a fraction of the cost: the kommune's matrix has hundreds of cells)."""
    return Markup(_ENV.get_template("styringskort_card.html.j2").render(  # noqa: S704 - autoescaped template
        view=view, indicator_url=indicator_url, scope_url=scope_url,
        **{**_COMMON, "fmt": fast_value, "lights": light_html(), "matrix_rows": matrix_rows}))


def history_table(row: CardRow, points: list[HistoryPoint]) -> Markup:
    """The values behind a history chart, as a table (the chart's fallback)."""
    return Markup(_ENV.get_template("styringskort_history.html.j2").render(  # noqa: S704 - autoescaped template
        row=row, points=points, **_COMMON))


def scope_title(view: CardView) -> str:
    kind = {"unit": _("enhet"), "sector": _("sektor"), "kommune": _("kommune")}[view.card.scope.kind]
    return _("Styringskort – {kind} {name}").format(kind=kind, name=view.card.scope.name)


def render_document(view: CardView, *, org: str, histories: list[tuple[CardRow, list[HistoryPoint]]],
                    charts: bool = True, now: datetime | None = None) -> str:
    """A standalone, printable HTML file: the card, the matrix and each indicator's history."""
    from reports.styringskort_chart import history_alt_text, render_history_png

    items = []
    for row, points in histories:
        png = render_history_png(row.name, row.measure, points) if charts else None
        items.append(History(row=row, table=history_table(row, points), alt=history_alt_text(row.name, row.measure, points),
                             chart=f"data:image/png;base64,{base64.b64encode(png).decode()}" if png else None))
    return _ENV.get_template("styringskort.html.j2").render(
        title=scope_title(view), org=org, view=view, css=Markup(CSS),  # noqa: S704 - our own stylesheet
        fragment=card_fragment(view), histories=items,
        generated=fmt_date(now or datetime.now(UTC)), **_COMMON)
