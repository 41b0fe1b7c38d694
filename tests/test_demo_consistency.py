"""Issue 12: the demo data does not contradict itself (deadlines match titles; past deadlines are not «Pågår»)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models.demo import seed_demo
from models.tables import Oppdrag


@pytest.mark.parametrize("now", [datetime(2026, 11, 23, 12, tzinfo=UTC), datetime(2026, 2, 10, 12, tzinfo=UTC)])
def test_demo_oppdrag_deadlines_match_titles_and_overdue_ones_say_so(session, now: datetime) -> None:
    seed_demo(session=session, now=now)
    oppdrag = session.exec(select(Oppdrag)).all()
    vernerunde = next(o for o in oppdrag if "innen 1. tertial" in o.title)
    assert vernerunde.deadline == date(now.year, 4, 30)  # was 30.11
    for o in oppdrag:
        if o.deadline and o.deadline < now.date():
            assert o.status in ("fullfort", "avbrutt", "forsinket"), (o.number, o.title, o.status)
    if now.month < 5:
        assert vernerunde.status == "pagar"  # not yet due: still in progress
