"""Every serving process turns the GIL at the one configured interval (notifications/threads.py).

What an operator relies on: `GIL_SWITCH_MS` (or its earlier name `SLACK_GIL_SWITCH_MS`) is the one
setting for the web process and the background processes alike, and 0 leaves Python's default.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from models.settings import Settings
from notifications.threads import shorten_gil_turns


@pytest.fixture
def switch_interval() -> Iterator[float]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield before
    sys.setswitchinterval(before)


@pytest.mark.parametrize("url", ["sqlite:///x.db", "postgresql+psycopg://x@127.0.0.1/x"])
def test_the_default_turn_is_half_a_millisecond_on_either_database(switch_interval: float, url: str) -> None:
    shorten_gil_turns(Settings(DATABASE_URL=url))
    assert sys.getswitchinterval() == pytest.approx(0.0005)


@pytest.mark.parametrize("name", ["GIL_SWITCH_MS", "SLACK_GIL_SWITCH_MS"])
def test_the_setting_and_its_earlier_name_both_set_the_turn(switch_interval: float, name: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, "2")
    shorten_gil_turns(Settings(DATABASE_URL="sqlite:///x.db"))
    assert sys.getswitchinterval() == pytest.approx(0.002)


def test_zero_keeps_pythons_default(switch_interval: float) -> None:
    shorten_gil_turns(Settings(DATABASE_URL="sqlite:///x.db", GIL_SWITCH_MS=0))
    assert sys.getswitchinterval() == pytest.approx(0.005)
