"""Risk = sannsynlighet × konsekvens (each 1–5), and the severity band users see."""

from __future__ import annotations

from models.i18n import _
from models.vocabulary import SEVERITY_LABELS


def risk_score(probability: int, consequence: int) -> int:
    return probability * consequence


def severity(risk: int) -> str:
    """The band's key (its bokmål word, used to count and colour); `severity_label` is what people read.

    Bands as in a 5×5 ROS matrix: 1–4 lav, 5–9 middels, 10–16 høy, 20–25 kritisk."""
    if risk <= 4:
        return SEVERITY_LABELS[0]
    if risk <= 9:
        return SEVERITY_LABELS[1]
    if risk <= 16:
        return SEVERITY_LABELS[2]
    return SEVERITY_LABELS[3]


def severity_label(risk: int) -> str:
    """The band in the current person's language: «Middels», «Middels», «Medium»."""
    return _(severity(risk))
