"""The summary counters (migration 0015) stay equal to a count of the base tables after every kind of write.

Why: the summaries read these counters instead of the avvik and answers, so a write that missed
them would show wrong figures with no error. The domain's writes, an ORM edit and bulk statements
(several rows in one statement: PostgreSQL's statement triggers) are all checked, on both databases.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import delete, text, update
from sqlmodel import select

from models.services import avvik as avvik_svc
from models.services import checklists
from models.tables import Avvik, ChecklistAnswer, ChecklistRun
from reports.queries import build_summary
from tests.reports.dataset import AURVOLL, HJEMME, NOW, build_dataset


def _month(t: datetime) -> str:
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m")


def _expected(session) -> dict[str, Counter]:  # type: ignore[no-untyped-def]
    month: Counter = Counter()
    status: Counter = Counter()
    open_now: Counter = Counter()
    for a in session.exec(select(Avvik)).all():
        month[(a.org_id, _month(a.created_at), a.unit_id, a.category, "new")] += 1
        status[(a.org_id, _month(a.created_at), a.status, a.risk)] += 1
        if a.closed_at is None:
            open_now[(a.org_id, a.unit_id)] += 1
        else:
            month[(a.org_id, _month(a.closed_at), a.unit_id, a.category, "closed")] += 1
    tally: Counter = Counter()
    for ans in session.exec(select(ChecklistAnswer)).all():
        tally[(ans.run_id, "answered")] += 1
        tally[(ans.run_id, "nei")] += ans.answer == "nei"
    return {"month": +month, "status": +status, "open": +open_now, "tally": +tally}


def _counters(session) -> dict[str, Counter]:  # type: ignore[no-untyped-def]
    def q(sql: str) -> list:
        return list(session.execute(text(sql)).all())

    month: Counter = Counter()
    for org, m, unit, cat, new, closed in q("SELECT org_id, month, unit_id, category, n_new, n_closed FROM avvik_month"):
        month[(org, m, unit, cat, "new")] += new
        month[(org, m, unit, cat, "closed")] += closed
    tally: Counter = Counter()
    for run, answered, nei in q("SELECT run_id, answered, nei FROM checklist_run_tally"):
        tally[(run, "answered")] += answered
        tally[(run, "nei")] += nei
    return {"month": +month,
            "status": +Counter({tuple(r[:4]): r[4] for r in q("SELECT org_id, month, status, risk, n FROM avvik_month_status")}),
            "open": +Counter({tuple(r[:2]): r[2] for r in q("SELECT org_id, unit_id, n FROM avvik_open")}),
            "tally": +tally}


def test_counters_follow_every_write(session, org):
    org._n = 100  # the dataset's avvik numbers, clear of the ones the service hands out
    build_dataset(session, org)
    session.commit()
    assert _counters(session) == _expected(session)  # the ORM inserts of the dataset

    # the domain: report, take, close, reopen; answer and change an answer
    a = avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=avvik_svc.AvvikInput(
        category="hms", description="Glatt trapp", probability=2, consequence=3, occurred_at=datetime.now(UTC)))
    avvik_svc.take_avvik(session=session, actor_id=org.people["leder"], avvik_id=a.id)
    avvik_svc.close_avvik(session=session, actor_id=org.people["leder"], avvik_id=a.id, conclusion="Strødd",
                          effect_evaluation="Virker")
    avvik_svc.reopen_avvik(session=session, actor_id=org.people["leder"], avvik_id=a.id, reason="Glatt igjen")
    unit = org.units[AURVOLL]
    checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=unit, item_id=org.items[0],
                                 answer="ja")
    checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=unit, item_id=org.items[0],
                                 answer="nei", comment="Ikke gjennomført ennå")
    session.commit()
    assert _counters(session) == _expected(session)

    # an ORM edit of the counted columns, and bulk statements over many rows at once
    first = session.exec(select(Avvik).order_by(Avvik.id)).first()
    first.unit_id, first.category, first.closed_at = org.units[HJEMME], "vold", datetime(2026, 2, 1, tzinfo=UTC)
    session.add(first)
    session.commit()
    session.execute(update(Avvik).where(Avvik.risk >= 9).values(status="under_behandling", closed_at=None))
    session.execute(delete(ChecklistAnswer).where(ChecklistAnswer.answer == "ja"))
    session.execute(update(ChecklistAnswer).values(answer="ja"))
    session.execute(delete(Avvik).where(Avvik.category == "hms", Avvik.id != a.id))
    session.commit()
    assert _counters(session) == _expected(session)
    assert session.exec(select(ChecklistRun)).first() is not None


def test_summary_figures_come_from_the_counters(session, org):
    """Take the counters away and the summary sees nothing: it reads them, not the base rows."""
    build_dataset(session, org)
    session.commit()
    assert build_summary(session=session, org_id=org.org_id, period="2026-11", now=NOW).avvik.period.new == 5
    for table in ("avvik_month", "avvik_month_status", "avvik_open"):
        session.execute(text(f"DELETE FROM {table}"))
    s = build_summary(session=session, org_id=org.org_id, period="2026", now=NOW)
    assert sum(s.avvik.by_category.values()) == 0
    session.rollback()
