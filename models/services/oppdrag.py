"""Oppdrag: list mine, update status and progress with a comment, and the traffic light rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from models.access import can_update_oppdrag
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import _
from models.periods import local_date
from models.services import audit, org
from models.services._tx import writes
from models.sql import col, pk
from models.tables import Oppdrag, OppdragUnit, OppdragUpdate
from models.tables._common import utcnow
from models.vocabulary import CLOSED_OPPDRAG_STATUSES, OPPDRAG_STATUSES


def traffic_light(oppdrag: Oppdrag, today: date | None = None) -> str | None:
    """Grønn, gul or rød from status, deadline and progress; None for an avbrutt oppdrag.

    Rød: forsinket, or past its deadline and not done. Gul: deadline within 30 days
    and less than 75 % done, or no status update for 45 days. Otherwise grønn.
    """
    today = today or local_date(utcnow())
    if oppdrag.status == "avbrutt":
        return None
    if oppdrag.status == "fullfort":
        return "gronn"
    if oppdrag.status == "forsinket" or (oppdrag.deadline and oppdrag.deadline < today):
        return "rod"
    if oppdrag.deadline and oppdrag.deadline <= today + timedelta(days=30) and oppdrag.progress < 75:
        return "gul"
    last = oppdrag.last_status_at or oppdrag.created_at
    if local_date(last) < today - timedelta(days=45):
        return "gul"
    return "gronn"


def list_my_oppdrag(*, session: Session, person_id: int, include_closed: bool = False) -> list[Oppdrag]:
    """Oppdrag I own, and those delegated to units I lead."""
    actor = org.load_actor(session, person_id=person_id)
    delegated = select(OppdragUnit.oppdrag_id).where(col(OppdragUnit.unit_id).in_(actor.led_unit_ids or {-1}))
    q = select(Oppdrag).where(Oppdrag.org_id == actor.org_id,
                              or_(col(Oppdrag.owner_id) == person_id, col(Oppdrag.id).in_(delegated)))
    if not include_closed:
        q = q.where(col(Oppdrag.status).notin_(CLOSED_OPPDRAG_STATUSES))
    return list(session.exec(q.order_by(col(Oppdrag.number))).all())


def get_oppdrag(*, session: Session, actor_id: int, number: int) -> Oppdrag:
    actor = org.load_actor(session, person_id=actor_id)
    oppdrag = session.exec(select(Oppdrag).where(Oppdrag.org_id == actor.org_id, Oppdrag.number == number)).first()
    if oppdrag is None:
        raise NotFound(_("Fant ikke oppdrag {number}.").format(number=number))
    return oppdrag


def _delegated_units(session: Session, oppdrag_id: int) -> set[int]:
    return set(session.exec(select(OppdragUnit.unit_id).where(OppdragUnit.oppdrag_id == oppdrag_id)).all())


@writes
def update_oppdrag(*, session: Session, actor_id: int, number: int, status: str | None = None,
                   progress: int | None = None, comment: str | None = None) -> Oppdrag:
    actor = org.load_actor(session, person_id=actor_id)
    oppdrag = session.exec(select(Oppdrag).where(Oppdrag.org_id == actor.org_id, Oppdrag.number == number)).first()
    if oppdrag is None:
        raise NotFound(_("Fant ikke oppdrag {number}. Skriv «mine oppdrag» for å se numrene dine.").format(number=number))
    if not can_update_oppdrag(actor, org_id=oppdrag.org_id, owner_id=oppdrag.owner_id,
                              delegated_unit_ids=_delegated_units(session, pk(oppdrag))):
        raise PermissionDenied(_("Du er ikke eier av oppdrag {number} og kan ikke oppdatere det.").format(number=number))
    errors: dict[str, str] = {}
    if status is not None and status not in OPPDRAG_STATUSES:
        errors["status"] = _("Velg en status: {choices}.").format(choices=", ".join(OPPDRAG_STATUSES.values()))
    if progress is not None and not (isinstance(progress, int) and 0 <= progress <= 100):
        errors["progress"] = _("Framdriften må være et tall fra 0 til 100 %.")
    text = (comment or "").replace("\x00", "").strip()
    if len(text) > 3000:
        errors["comment"] = _("Kommentaren kan være høyst 3000 tegn.")
    if status is None and progress is None and not text:
        errors["status"] = _("Si hva som er nytt: status, framdrift eller en kommentar.")
    if errors:
        raise ValidationFailed(errors)
    if status == "fullfort":
        progress = 100
    if progress is not None:
        oppdrag.progress = progress
        if status is None:
            if progress == 100:
                status = "fullfort"
            elif oppdrag.status in ("ikke_startet",) and progress > 0:
                status = "pagar"
    if status is not None:
        oppdrag.status = status
    now = utcnow()
    oppdrag.updated_at = now
    oppdrag.last_status_at = now
    session.add(oppdrag)
    session.add(OppdragUpdate(org_id=oppdrag.org_id, oppdrag_id=pk(oppdrag), actor_id=actor_id,
                              status=oppdrag.status, progress=oppdrag.progress, comment=text or None))
    audit.record(session, org_id=oppdrag.org_id, actor_id=actor_id, action="oppdrag.updated", entity="oppdrag",
                 entity_id=oppdrag.id, detail={"status": oppdrag.status, "progress": oppdrag.progress})
    return oppdrag


def oppdrag_history(*, session: Session, oppdrag_id: int) -> list[OppdragUpdate]:
    return list(session.exec(select(OppdragUpdate).where(OppdragUpdate.oppdrag_id == oppdrag_id)
                             .order_by(col(OppdragUpdate.id))).all())


def needs_update(oppdrag: Oppdrag, now: datetime) -> bool:
    """No status update this month (Europe/Oslo), or past deadline and still open."""
    if oppdrag.status in CLOSED_OPPDRAG_STATUSES:
        return False
    today = local_date(now)
    last = oppdrag.last_status_at
    stale = last is None or (local_date(last).year, local_date(last).month) != (today.year, today.month)
    overdue = oppdrag.deadline is not None and oppdrag.deadline < today
    return stale or overdue
