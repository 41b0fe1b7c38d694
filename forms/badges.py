"""Risk and traffic-light badges for the web pages: colour AND word, never colour alone.

Why here and not in each template: /leder, Mine saker, the avvik page, the ROS register and the
Teams tab all show a risk score, and one helper keeps them alike (band colours from staff.css).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from models.i18n import gettext as _
from models.risk import severity
from models.vocabulary import SEVERITY_LABELS, TRAFFIC_LIGHTS

BAND_CSS = dict(zip(SEVERITY_LABELS, ("lav", "middels", "hoy", "kritisk"), strict=True))


def risk_badge(score: int | None) -> Markup:
    """«9 Middels» on the band's colour; the word is always written out."""
    if score is None:
        return Markup("–")
    label = severity(score)
    css = BAND_CSS.get(label, "middels")
    return Markup('<span class="badge band-{css}">{score} {word}</span>').format(css=css, score=score,
                                                                                 word=_(label))


def light_badge(light: str | None, label: str | None = None) -> Markup:
    """The traffic light as a coloured dot followed by its word («Grønn», «Gul», «Rød», «–»)."""
    word = TRAFFIC_LIGHTS[light] if light is not None and light in TRAFFIC_LIGHTS else _(label) if label and label != "–" else "–"
    return Markup('<span class="light light-{css}" aria-hidden="true"></span> {word}').format(
        css=escape(light or "none"), word=word)


def month_name(month: int) -> str:
    """The month's name in the request's language («januar», «January»), as Babel spells it."""
    from datetime import date

    from babel.dates import format_date

    from models.i18n import current_locale

    babel = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}[current_locale()]
    return format_date(date(2000, month, 1), "LLLL", locale=babel)
