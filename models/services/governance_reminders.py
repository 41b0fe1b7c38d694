"""Reminders a scheduled job calls: risk reviews due, tilsyn finding deadlines, årshjul activities at their lead time.

Each is enqueued once per (item, occurrence, person): the outbox's unique dedupe key
carries all three, so a daily job, a rerun after a crash or two schedulers racing send
each reminder exactly once. A new occurrence (a risk reviewed and given a new date, a
moved deadline, next year's activity) is a new key and is reminded again. The job may
run daily or less often: each reminder is due from its lead time until the date itself,
so a missed run is made up by the next.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from functools import partial

from sqlmodel import Session, col, select

from models import governance_notices as gn
from models.governance_terms import (
    ARSHJUL_KINDS,
    FINDING_KINDS,
    OPEN_FINDING_STATUSES,
    TILSYN_AUTHORITIES,
    risk_ref,
)
from models.messages import Reply
from models.periods import local_date
from models.services import arshjul, org, outbox
from models.services._tx import writes
from models.tables import ArshjulActivity, OutboxMessage, Person, Risk, Tilsyn, TilsynFinding
from models.tables._common import utcnow

RISK_REVIEW_LEAD_DAYS = 7
FINDING_LEAD_DAYS = 14


def _today(now: datetime | None, tz: str) -> date:
    return local_date(now or utcnow(), tz)


@writes
def send_risk_review_reminders(*, session: Session, now: datetime | None = None, tz: str = "Europe/Oslo",
                               lead_days: int = RISK_REVIEW_LEAD_DAYS, org_id: int | None = None) -> int:
    """The owner of each active risk whose review date is within `lead_days` (or passed) hears once per date."""
    today = _today(now, tz)
    q = select(Risk).where(col(Risk.status) == "aktiv", col(Risk.review_date) <= today + timedelta(days=lead_days))
    if org_id is not None:
        q = q.where(col(Risk.org_id) == org_id)
    added = 0
    for r in session.exec(q.order_by(col(Risk.id))).all():
        key = risk_review_key(int(r.id or 0), r.review_date, r.owner_id)
        added += outbox.enqueue(session, org_id=r.org_id, dedupe_key=key, kind="risk_review", recipient_person_id=r.owner_id,
                                payload=partial(gn.risk_review_due, risk_ref(r.number), r.title, r.review_date, r.id))  # type: ignore[arg-type]
    return added


def risk_review_key(risk_id: int, review_date: date, person_id: int | None) -> str:
    return f"risk_review:{risk_id}:{review_date.isoformat()}:person-{person_id}"


def risk_review_answered(session: Session, risk: Risk, *, reminded_for: date, reminded_person: int | None,
                         reviewer_id: int, tz: str = "Europe/Oslo") -> bool:
    """After a review: edit the reminder that asked for it in place (no buttons left). False when none was sent."""
    key = risk_review_key(int(risk.id or 0), reminded_for, reminded_person)
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first() is None:
        return False
    reviewer = session.get(Person, reviewer_id)
    return outbox.enqueue(
        session, org_id=risk.org_id, dedupe_key=f"{key}:reviewed-{uuid.uuid4().hex[:12]}", kind="risk_review_update",
        recipient_person_id=reminded_person, update_of_key=key,
        payload=gn.risk_review_done(risk_ref(risk.number), risk.title, reviewer.name if reviewer else "–",
                                    _today(None, tz), risk.risk_before, risk.risk_after, risk.review_date))


@writes
def send_tilsyn_deadline_reminders(*, session: Session, now: datetime | None = None, tz: str = "Europe/Oslo",
                                   lead_days: int = FINDING_LEAD_DAYS, org_id: int | None = None) -> int:
    """Open findings: once when the deadline comes within `lead_days`, once more when it has passed.

    The owner hears it; a finding without an owner goes to the nearest leaders of the tilsyn's unit.
    """
    today = _today(now, tz)
    q = (select(TilsynFinding, Tilsyn).join(Tilsyn, col(Tilsyn.id) == col(TilsynFinding.tilsyn_id))
         .where(col(TilsynFinding.status).in_(OPEN_FINDING_STATUSES),
                col(TilsynFinding.deadline) <= today + timedelta(days=lead_days)))
    if org_id is not None:
        q = q.where(col(TilsynFinding.org_id) == org_id)
    added = 0
    for f, t in session.exec(q.order_by(col(TilsynFinding.id))).all():
        overdue = f.deadline < today
        stage = "overdue" if overdue else "due"
        people = [f.owner_id] if f.owner_id else [p.id for p in org.leaders_for_unit(session, unit_id=t.unit_id)]

        def reply(f: TilsynFinding = f, t: Tilsyn = t, overdue: bool = overdue) -> Reply:
            authority = t.authority_name if t.authority == "annet" else TILSYN_AUTHORITIES.get(t.authority, t.authority)
            return gn.finding_deadline(FINDING_KINDS.get(f.kind, f.kind), authority, f.description, f.deadline,
                                       overdue, f.id)  # type: ignore[arg-type]
        for pid in people:
            key = f"tilsyn_deadline:{f.id}:{f.deadline.isoformat()}:{stage}:person-{pid}"
            added += outbox.enqueue(session, org_id=f.org_id, dedupe_key=key, kind="tilsyn_deadline",
                                    recipient_person_id=pid, payload=reply)
    return added


@writes
def send_arshjul_reminders(*, session: Session, now: datetime | None = None, tz: str = "Europe/Oslo",
                           org_id: int | None = None) -> int:
    """Each responsible person hears of an activity once per occurrence, from `lead_days` before it."""
    today = _today(now, tz)
    q = select(ArshjulActivity).where(col(ArshjulActivity.active).is_(True))
    if org_id is not None:
        q = q.where(col(ArshjulActivity.org_id) == org_id)
    added = 0
    for act in session.exec(q.order_by(col(ArshjulActivity.id))).all():
        on = arshjul.next_occurrence(act, today)
        if on is None or today < on - timedelta(days=act.lead_days):
            continue

        def reply(act: ArshjulActivity = act, on: date = on) -> Reply:
            return gn.arshjul_due(act.title, ARSHJUL_KINDS.get(act.kind, act.kind), on, act.description)
        for pid in arshjul.responsible_people(session, act):
            added += outbox.enqueue(session, org_id=act.org_id, dedupe_key=f"arshjul:{act.id}:{on.isoformat()}:person-{pid}",
                                    kind="arshjul_reminder", recipient_person_id=pid, payload=reply)
    return added


def send_all(*, session: Session, now: datetime | None = None, tz: str = "Europe/Oslo") -> dict[str, int]:
    """One daily job for all three (what the scheduler wires); each part commits on its own."""
    return {"risk_review": send_risk_review_reminders(session=session, now=now, tz=tz),
            "tilsyn_deadline": send_tilsyn_deadline_reminders(session=session, now=now, tz=tz),
            "arshjul": send_arshjul_reminders(session=session, now=now, tz=tz)}
