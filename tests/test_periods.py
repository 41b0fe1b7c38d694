"""Periods in Europe/Oslo: month, tertial, year boundaries, including across DST."""

from datetime import UTC, datetime

import pytest

from models.errors import ValidationFailed
from models.periods import parse_period, period_of


def test_parse_and_bounds_in_oslo_time():
    p = parse_period("2026-11")
    start, end = p.bounds_utc()
    assert start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # CET: UTC+1
    assert end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    t = parse_period("2026-t2")
    assert (t.kind, t.start_date().month, t.end_date().month) == ("tertial", 5, 9)
    assert parse_period("2026").bounds_utc()[0] == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)


def test_dst_months_have_the_right_lengths():
    # March 2026: DST starts on the 29th; October: ends on the 25th.
    s, e = parse_period("2026-03").bounds_utc()
    assert (e - s).total_seconds() == 31 * 86400 - 3600
    s, e = parse_period("2026-10").bounds_utc()
    assert (e - s).total_seconds() == 31 * 86400 + 3600
    assert parse_period("2026-04").bounds_utc()[0] == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # CEST: UTC+2


def test_moment_near_midnight_belongs_to_local_month():
    assert period_of(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "month").key == "2026-11"
    assert period_of(datetime(2026, 8, 31, 22, 30, tzinfo=UTC), "tertial").key == "2026-T3"
    assert period_of(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "year").key == "2027"


def test_previous_and_months():
    assert parse_period("2026-01").previous().key == "2025-12"
    assert parse_period("2026-T1").previous().key == "2025-T3"
    assert [m.key for m in parse_period("2026-T3").months()] == ["2026-09", "2026-10", "2026-11", "2026-12"]


@pytest.mark.parametrize("bad", ["2026-13", "T3", "november", "", "2026-T4", "'; drop"])
def test_bad_period_gets_norwegian_message(bad):
    with pytest.raises(ValidationFailed) as e:
        parse_period(bad)
    assert "Bruk f.eks." in e.value.message
