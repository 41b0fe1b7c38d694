"""A claim must not read the whole backlog (issue 15): Slack's pace makes a backlog normal, and the
worker claims several times a second on the core that answers Slack.

The claim once ranked every due row with a window function: 21 ms at 13,800 waiting rows, growing
with them. How long a claim takes is measured in `bench/outbox_claim.py`; these tests check what
decides it: what the claim's statements ask SQLite to read, and that the turns across kommuner hold
with one kommune's large backlog.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, insert
from sqlmodel import Session

from models.services import outbox_delivery as rows
from models.tables import OutboxMessage
from models.tables._common import utcnow
from models.uow import UnitOfWork
from tests.notifications.helpers import make_kommuner


def _backlog(session: Session, orgs: list[int], per_kommune: list[int]) -> None:
    due = utcnow() - timedelta(minutes=5)
    for k, (org_id, n) in enumerate(zip(orgs, per_kommune, strict=True)):
        session.execute(insert(OutboxMessage), [
            dict(org_id=org_id, dedupe_key=f"backlog:{k}:{i}", kind="nudge", platform="slack", target=f"C{k}-{i}",
                 payload={"text": "Påminnelse"}, status="pending", attempts=0, next_attempt_at=due, created_at=due)
            for i in range(n)])
    session.commit()


def test_a_kommune_with_one_message_gets_its_turn_beside_a_backlog_of_thousands(engine, session) -> None:  # type: ignore[no-untyped-def]
    orgs = make_kommuner(session, 3, "backlog")
    _backlog(session, orgs, [3000, 1, 2])
    with UnitOfWork(engine).write() as tx:
        got = rows.claim_due(session=tx, platforms={"slack"}, limit=10, now=utcnow(), lease_s=20, per_org=4)
    assert Counter(r.org_id for r in got) == {orgs[0]: 4, orgs[1]: 1, orgs[2]: 2}
    assert [r.dedupe_key for r in got if r.org_id == orgs[0]] == [f"backlog:0:{i}" for i in range(4)]


def test_no_statement_of_a_claim_reads_the_backlog(backend, engine, session) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    orgs = make_kommuner(session, 2, "plan")
    _backlog(session, orgs, [2000, 50])
    with engine.begin() as conn:  # statistics taken while every row is pending: `sending` then looks unselective
        conn.exec_driver_sql("ANALYZE")
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cur, statement, params, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with UnitOfWork(engine).write() as tx:
            assert len(rows.claim_due(session=tx, platforms={"slack"}, limit=100, now=utcnow(), lease_s=20,
                                      per_org=40)) == 80
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    raw = engine.raw_connection()
    try:
        plans = [row[3] for statement, params in seen
                 for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()]
    finally:
        raw.close()
    on_outbox = [p for p in plans if " outbox" in p]
    assert on_outbox, plans
    # every read of the outbox is a seek: a kommune's first due rows, the few rows `sending`, or by id
    assert all(p.startswith("SEARCH outbox USING") for p in on_outbox), on_outbox
    allowed = ("ix_outbox_org_due", "ix_outbox_sending", "INTEGER PRIMARY KEY")
    assert all(any(a in p for a in allowed) for p in on_outbox), on_outbox
