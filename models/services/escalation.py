"""Escalation by risk: a serious risk or avvik goes at once to the line above, once per recipient.

At or above `Thresholds.sector` (RISK_ESCALATE_SECTOR) it goes to the kommunalsjef of the
unit's sector; at or above `Thresholds.top` (RISK_ESCALATE_TOP) also to the kommunedirektør.
Each (subject, recipient) gets one `risk_escalation` row and one outbox message, both
inserted with ON CONFLICT DO NOTHING, so a rerun, a review or a racing writer never sends
twice. The acknowledgement edits that message in place (the outbox's `update_of_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, col, select

from models import governance_notices as gn
from models.errors import NotFound, PermissionDenied
from models.governance_terms import risk_ref
from models.i18n import N_, _, fmt_datetime
from models.messages import Reply
from models.services import audit, org, outbox
from models.services._tx import writes
from models.tables import Avvik, OutboxMessage, Person, PersonRole, Risk, RiskEscalation, Unit
from models.tables._common import utcnow


@dataclass(frozen=True)
class Thresholds:
    sector: int = 15
    top: int = 20

    def __post_init__(self) -> None:
        # Refused at start-up (the root builds this from the settings), not discovered on the first serious risk.
        if not 1 <= self.sector <= self.top <= 25:
            raise ValueError("RISK_ESCALATE_SECTOR and RISK_ESCALATE_TOP must satisfy 1 ≤ sector ≤ top ≤ 25")

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        return cls(sector=settings.risk_escalate_sector, top=settings.risk_escalate_top)


_current: list[Thresholds] = [Thresholds()]


def configure(thresholds: Thresholds) -> None:
    """Called once by the root (bot.main.build_wiring) with the settings' thresholds."""
    _current[0] = thresholds


def current() -> Thresholds:
    return _current[0]


def escalation_key(subject: str, subject_id: int, recipient_id: int) -> str:
    return f"escalation:{subject}:{subject_id}:person-{recipient_id}"


def recipients(session: Session, *, unit: Unit, score: int, thresholds: Thresholds) -> list[tuple[int, str]]:
    """(person id, level) for a score in a unit: kommunalsjefer on the unit's line, then the top.

    A unit with no kommunalsjef above it escalates straight to the kommunedirektør: serious
    risk must reach someone.
    """
    if score < thresholds.sector:
        return []
    line = [int(x) for x in unit.id_path.strip("/").split("/") if x]
    sector = _role_holders(session, org_id=unit.org_id, role="kommunalsjef", unit_ids=line)
    out = [(pid, "sector") for pid in sector]
    if score >= thresholds.top or not sector:
        out += [(pid, "top") for pid in _role_holders(session, org_id=unit.org_id, role="kommunedirektør")
                if pid not in sector]
    return out


def _role_holders(session: Session, *, org_id: int, role: str, unit_ids: list[int] | None = None) -> list[int]:
    q = (select(Person.id).join(PersonRole, col(PersonRole.person_id) == col(Person.id))
         .where(PersonRole.org_id == org_id, PersonRole.role == role, Person.active == True))  # noqa: E712
    if unit_ids is not None:
        q = q.where(col(PersonRole.unit_id).in_(unit_ids or [-1]))
    return sorted({pid for pid in session.exec(q).all() if pid is not None})


def escalate_risk(session: Session, risk: Risk, *, thresholds: Thresholds | None = None) -> int:
    """Escalate a risk by its score before tiltak: until the tiltak are done, that is the risk."""
    unit = session.get(Unit, risk.unit_id)
    assert unit is not None and risk.id is not None
    subject = gn.EscalationSubject(ref=risk_ref(risk.number), title=risk.title, unit_name=unit.name,
                                   score=risk.risk_before, what=N_("Risiko"))
    return _escalate(session, "risk", risk.id, unit, subject, thresholds or current())


def escalate_avvik(session: Session, avvik: Avvik, *, unit: Unit | None = None,
                   thresholds: Thresholds | None = None) -> int:
    """The hook report_avvik calls after enqueueing its own messages. Returns how many were sent."""
    unit = unit or session.get(Unit, avvik.unit_id)
    assert unit is not None and avvik.id is not None
    subject = gn.EscalationSubject(ref=f"AV-{avvik.number}", title=avvik.title, unit_name=unit.name,
                                   score=avvik.risk, what=N_("Avvik"))
    return _escalate(session, "avvik", avvik.id, unit, subject, thresholds or current())


def _escalate(session: Session, subject: str, subject_id: int, unit: Unit, words: gn.EscalationSubject,
              thresholds: Thresholds) -> int:
    sent = 0
    for person_id, level in recipients(session, unit=unit, score=words.score, thresholds=thresholds):
        row = session.execute(_insert(session.get_bind().dialect.name), {
            "org_id": unit.org_id, "subject": subject, "subject_id": subject_id, "level": level,
            "recipient_id": person_id, "score": words.score, "sent_at": utcnow()}).first()
        if row is None:
            continue  # already escalated to this person
        outbox.enqueue(session, org_id=unit.org_id, dedupe_key=escalation_key(subject, subject_id, person_id),
                       kind="risk_escalation", recipient_person_id=person_id,
                       payload=partial(gn.escalation, words, level=level, escalation_id=row[0]))
        audit.record(session, org_id=unit.org_id, actor_id=None, action="escalation.sent", entity=subject,
                     entity_id=subject_id, detail={"recipient_id": person_id, "level": level, "score": words.score})
        sent += 1
    return sent


@lru_cache(maxsize=4)
def _insert(dialect: str) -> Insert:
    table = RiskEscalation.__table__  # type: ignore[attr-defined]
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing(index_elements=["subject", "subject_id", "recipient_id"]).returning(table.c.id)


@writes
def acknowledge(*, session: Session, actor_id: int, escalation_id: int, tz: str = "Europe/Oslo") -> RiskEscalation:
    """The recipient confirms they have seen it; the message loses its button and shows who and when.

    Acknowledging twice changes nothing and sends nothing.
    """
    actor = org.load_actor(session, person_id=actor_id)
    esc = session.get(RiskEscalation, escalation_id)
    if esc is None or esc.org_id != actor.org_id:
        raise NotFound(_("Fant ikke varselet."))
    if esc.recipient_id != actor_id:
        raise PermissionDenied(_("Bare mottakeren kan bekrefte dette varselet."))
    if esc.acknowledged_at is not None:
        return esc
    esc.acknowledged_at = utcnow()
    session.add(esc)
    audit.record(session, org_id=esc.org_id, actor_id=actor_id, action="escalation.acknowledged", entity=esc.subject,
                 entity_id=esc.subject_id, detail={"escalation_id": esc.id})
    key = escalation_key(esc.subject, esc.subject_id, esc.recipient_id)
    original = session.exec(select(OutboxMessage.payload).where(OutboxMessage.dedupe_key == key)).first()
    if original is not None:
        at = esc.acknowledged_at
        outbox.enqueue(session, org_id=esc.org_id, dedupe_key=f"{key}:ack", kind="risk_escalation_update",
                       recipient_person_id=actor_id, update_of_key=key,
                       payload=lambda: gn.acknowledged(Reply.model_validate(original), by=actor.name,
                                                       when=fmt_datetime(at)))
    return esc


@dataclass(frozen=True)
class EscalationView:
    id: int
    subject: str
    subject_id: int
    level: str
    score: int
    sent_at: datetime
    acknowledged_at: datetime | None


def my_escalations(*, session: Session, actor_id: int, only_open: bool = True, limit: int = 50) -> list[EscalationView]:
    """What was escalated to me, newest first (for the home page and «mine varsler»)."""
    q = select(RiskEscalation).where(RiskEscalation.recipient_id == actor_id)
    if only_open:
        q = q.where(col(RiskEscalation.acknowledged_at).is_(None))
    rows = session.exec(q.order_by(col(RiskEscalation.sent_at).desc()).limit(limit)).all()
    return [EscalationView(id=r.id, subject=r.subject, subject_id=r.subject_id, level=r.level, score=r.score,  # type: ignore[arg-type]
                           sent_at=r.sent_at, acknowledged_at=r.acknowledged_at) for r in rows]
