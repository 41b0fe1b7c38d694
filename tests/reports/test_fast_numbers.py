"""The styringskort's fast number formatting reads exactly as `fmt_number` in every language."""

from __future__ import annotations

import random

import pytest

from models.i18n import fmt_number, use_locale
from reports.fast_numbers import fast_number, fast_value

EDGES = [0, 1, -1, 0.05, 0.15, 0.25, 0.35, -0.04, -0.05, 2.25, 2.35, 99.95, 0.95, 12.0, 1234.5, 1234567.89,
         -98765.45, 1e9, 3.0000001, 1e-7, 1e20, 123456789012345.67]


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_same_text_as_fmt_number(locale):
    rnd = random.Random(10)
    values = EDGES + [rnd.uniform(-1e6, 1e6) for _ in range(2000)] + [round(rnd.uniform(0, 100), 2) for _ in range(2000)]
    with use_locale(locale):
        for v in values:
            for digits in (0, 1, 2):
                assert fast_number(v, digits) == fmt_number(v, digits), (v, digits)


def test_value_with_measure():
    with use_locale("nb"):
        assert fast_value(None, "%") == "–"
        assert fast_value(93.25, "%") == "93,2 %"
        assert fast_value(150000, "kr") == "150\u00a0000 kr"
    with use_locale("en"):
        assert fast_value(1234.56, "kr") == "1,234.6 kr"
