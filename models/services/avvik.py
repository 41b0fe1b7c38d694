"""Avvik use cases: report, take, add tiltak, close, reopen, and the lists people may see.

State machine: meldt → under_behandling → tiltak_iverksatt → lukket, and lukket →
under_behandling on reopen. Closing needs a conclusion and an effect evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import CompoundSelect, Insert
from sqlmodel import Session, select

from models import notices
from models.access import Actor, can_manage_avvik, can_view_avvik
from models.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed, avvik_not_found
from models.i18n import N_, _
from models.risk import risk_score
from models.services import audit, avvik_close, escalation, kommune_settings, org, outbox
from models.services._tx import writes
from models.sql import SelectOf, col, pk, table_of
from models.tables import Avvik, AvvikEvent, Person, Tiltak, Unit
from models.tables._common import utcnow
from models.vocabulary import AVVIK_CATEGORIES, OPEN_AVVIK_STATUSES

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_SHORT = 300
TOLD = "trad.avvik_told"  # session.info: avvik id → (unit name, leaders told), see listings.who_was_told


@dataclass(frozen=True)
class AvvikInput:
    category: str
    description: str
    occurred_at: datetime
    probability: int
    consequence: int
    unit_id: int | None = None
    title: str | None = None
    location: str = ""
    immediate_action: str = ""


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def validate_avvik_input(data: AvvikInput, *, now: datetime | None = None) -> AvvikInput:
    """Check every field at once so a form can show all its errors on the right fields."""
    errors: dict[str, str] = {}
    now = now or utcnow()
    if data.category not in AVVIK_CATEGORIES:
        errors["category"] = _("Velg en kategori fra listen.")
    desc = _clean(data.description)
    if len(desc) < 3:
        errors["description"] = _("Beskriv hva som skjedde (minst noen ord).")
    elif len(desc) > MAX_TEXT:
        errors["description"] = _("Beskrivelsen kan være høyst {max_text} tegn (den har {n}).").format(max_text=MAX_TEXT, n=len(desc))
    title = _clean(data.title) or desc.splitlines()[0][:80] if desc else ""
    if len(title) > MAX_TITLE:
        errors["title"] = _("Overskriften kan være høyst {max_title} tegn.").format(max_title=MAX_TITLE)
    occurred = data.occurred_at
    if occurred.tzinfo is None:
        errors["occurred_at"] = _("Tidspunktet mangler tidssone.")
    elif occurred > now + timedelta(minutes=10):
        errors["occurred_at"] = _("Tidspunktet kan ikke være fram i tid.")
    elif occurred < now - timedelta(days=3650):
        errors["occurred_at"] = _("Tidspunktet er mer enn ti år tilbake. Sjekk datoen.")
    for name, value in (("probability", data.probability), ("consequence", data.consequence)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            errors[name] = _("Velg et tall fra 1 til 5.")
    location = _clean(data.location)
    if len(location) > MAX_SHORT:
        errors["location"] = _("Stedet kan være høyst {max_short} tegn.").format(max_short=MAX_SHORT)
    action = _clean(data.immediate_action)
    if len(action) > MAX_TEXT:
        errors["immediate_action"] = _("Strakstiltaket kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT)
    if errors:
        raise ValidationFailed(errors)
    return AvvikInput(
        category=data.category, description=desc, occurred_at=occurred.astimezone(UTC),
        probability=data.probability, consequence=data.consequence, unit_id=data.unit_id,
        title=title, location=location, immediate_action=action,
    )


def _event(session: Session, avvik: Avvik, *, actor_id: int | None, kind: str, to_status: str | None = None,
           from_status: str | None = None, comment: str | None = None) -> None:
    # a plain INSERT (see audit.record): the history is read by later requests, not this one
    session.execute(_event_insert(), {"org_id": avvik.org_id, "avvik_id": avvik.id, "at": utcnow(), "actor_id": actor_id,
                                      "kind": kind, "from_status": from_status, "to_status": to_status,
                                      "comment": comment})


@lru_cache(maxsize=1)
def _event_insert() -> Insert:
    return table_of(AvvikEvent).insert()


def _notify_reporter(session: Session, avvik: Avvik, *, key: str, what: str, tiltak: Tiltak | None = None, **words: str) -> None:
    """`what` is a marked (N_) bokmål text, formatted with `words` in the reporter's language."""
    if avvik.reporter_id is None:
        return
    outbox.enqueue(session, org_id=avvik.org_id, dedupe_key=f"avvik:{avvik.id}:{key}", kind="avvik_status",
                   recipient_person_id=avvik.reporter_id, payload=lambda: notices.status_to_reporter(avvik, _(what).format(**words), tiltak))


@writes
def report_avvik(*, session: Session, reporter_id: int, data: AvvikInput, source: str = "chat",
                 idempotency_key: str | None = None) -> Avvik:
    """Register an avvik, tell the reporter and the unit's leader in the same transaction.

    `idempotency_key` (e.g. a Slack view id) makes a resubmission return the first avvik.
    The unique key decides, not a look-up first: a resubmission is rare, and the look-up
    cost every report a query. A losing resubmission rolls back whole, so it consumes no
    case number and sends nothing.
    """
    actor = org.load_actor(session, person_id=reporter_id)
    key = idempotency_key[:200] if idempotency_key else None
    clean = validate_avvik_input(data)
    if clean.category not in kommune_settings.offered_categories(session, org_id=actor.org_id):
        raise ValidationFailed({"category": _("Velg en av kategoriene kommunen bruker.")})
    unit_id = clean.unit_id or actor.unit_id
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.org_id != actor.org_id or not unit.active:
        raise ValidationFailed({"unit_id": _("Velg en enhet i din kommune.")})
    avvik = Avvik(
        org_id=actor.org_id, number=org.next_number(session, org_id=actor.org_id, name="avvik"),
        category=clean.category, unit_id=pk(unit), reporter_id=reporter_id, title=clean.title or "",
        description=clean.description, occurred_at=clean.occurred_at, location=clean.location,
        probability=clean.probability, consequence=clean.consequence,
        risk=risk_score(clean.probability, clean.consequence), immediate_action=clean.immediate_action,
        status="meldt", source=source, idempotency_key=key,
    )
    session.add(avvik)
    try:
        session.flush()
    except IntegrityError:
        if not key:
            raise
        session.rollback()
        existing = _by_idempotency_key(session, actor.org_id, key)
        if existing is None:
            raise
        return existing
    _event(session, avvik, actor_id=reporter_id, kind="reported", to_status="meldt")
    audit.record(session, org_id=avvik.org_id, actor_id=reporter_id, action="avvik.reported", entity="avvik",
                 entity_id=avvik.id)
    leaders = org.leaders_for_unit(session, unit_id=pk(unit), exclude=reporter_id)
    session.info.setdefault(TOLD, {})[avvik.id] = (unit.name, [p.name for p in leaders])  # for the answer, no re-read
    outbox.enqueue(session, org_id=avvik.org_id, dedupe_key=f"avvik:{avvik.id}:receipt", kind="avvik_receipt",
                   recipient_person_id=reporter_id,
                   payload=lambda: notices.receipt_to_reporter(avvik, unit, [p.name for p in leaders]))
    for leader in leaders:
        outbox.enqueue(session, org_id=avvik.org_id, dedupe_key=f"avvik:{avvik.id}:leader:{leader.id}",
                       kind="avvik_new", recipient_person_id=leader.id,
                       payload=lambda: notices.new_avvik_to_leader(avvik, unit, actor.name))
    escalation.escalate_avvik(session, avvik, unit=unit)
    return avvik


def _by_idempotency_key(session: Session, org_id: int, key: str) -> Avvik | None:
    return session.exec(select(Avvik).where(Avvik.org_id == org_id, Avvik.idempotency_key == key)).first()


def _tiltak_owner_ids(session: Session, avvik_id: int) -> set[int]:
    return set(session.exec(select(Tiltak.owner_id).where(Tiltak.avvik_id == avvik_id)).all())


def _load_for_view(session: Session, actor: Actor, avvik_id: int) -> Avvik:
    avvik = session.get(Avvik, avvik_id)
    if avvik is None or avvik.org_id != actor.org_id:
        raise avvik_not_found()
    if not can_view_avvik(actor, org_id=avvik.org_id, unit_id=avvik.unit_id, reporter_id=avvik.reporter_id,
                          assignee_id=avvik.assignee_id, tiltak_owner_ids=_tiltak_owner_ids(session, avvik_id)):
        # Same answer as a missing case: do not reveal that another unit's avvik exists.
        raise avvik_not_found(avvik.number)
    return avvik


def _load_for_manage(session: Session, actor: Actor, avvik_id: int) -> Avvik:
    avvik = _load_for_view(session, actor, avvik_id)
    if not can_manage_avvik(actor, org_id=avvik.org_id, unit_id=avvik.unit_id, assignee_id=avvik.assignee_id):
        raise PermissionDenied(_("Bare lederen for enheten kan behandle dette avviket."))
    return avvik


def get_avvik(*, session: Session, actor_id: int, avvik_id: int) -> Avvik:
    return _load_for_view(session, org.load_actor(session, person_id=actor_id), avvik_id)


def find_avvik_id(*, session: Session, actor_id: int, number: int) -> int:
    actor = org.load_actor(session, person_id=actor_id)
    avvik_id = session.exec(select(Avvik.id).where(Avvik.org_id == actor.org_id, Avvik.number == number)).first()
    if avvik_id is None:
        raise avvik_not_found(number)
    _load_for_view(session, actor, avvik_id)
    return avvik_id


@writes
def take_avvik(*, session: Session, actor_id: int, avvik_id: int) -> Avvik:
    actor = org.load_actor(session, person_id=actor_id)
    avvik = _load_for_manage(session, actor, avvik_id)
    if avvik.status == "lukket":
        raise InvalidTransition(_("Avviket er lukket. Gjenåpne det først."))
    if avvik.status == "meldt":
        avvik.status = "under_behandling"
        _event(session, avvik, actor_id=actor_id, kind="taken", from_status="meldt", to_status="under_behandling")
        _notify_reporter(session, avvik, key="taken", what=N_("{name} har tatt saken og behandler den nå."), name=actor.name)
    avvik.assignee_id = actor_id
    avvik.updated_at = utcnow()
    session.add(avvik)
    audit.record(session, org_id=avvik.org_id, actor_id=actor_id, action="avvik.taken", entity="avvik", entity_id=avvik.id)
    return avvik


@writes
def add_tiltak(*, session: Session, actor_id: int, avvik_id: int, description: str, owner_id: int | None,
               deadline: date) -> Tiltak:
    actor = org.load_actor(session, person_id=actor_id)
    avvik = _load_for_manage(session, actor, avvik_id)
    errors: dict[str, str] = {}
    text = _clean(description)
    if len(text) < 3:
        errors["description"] = _("Beskriv tiltaket.")
    elif len(text) > MAX_TEXT:
        errors["description"] = _("Tiltaket kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT)
    owner = session.get(Person, owner_id or actor_id)
    if owner is None or owner.org_id != actor.org_id or not owner.active:
        errors["owner_id"] = _("Velg en ansvarlig i kommunen.")
    from models.periods import local_date

    if deadline < local_date(utcnow()):
        errors["deadline"] = _("Fristen kan ikke være passert.")
    if avvik.status == "lukket":
        raise InvalidTransition(_("Avviket er lukket. Gjenåpne det før du legger til tiltak."))
    if errors:
        raise ValidationFailed(errors)
    assert owner is not None  # no error, so the owner was found
    tiltak = Tiltak(org_id=avvik.org_id, avvik_id=pk(avvik), description=text, owner_id=pk(owner),
                    deadline=deadline, created_by_id=actor_id)
    session.add(tiltak)
    previous = avvik.status
    avvik.status = "tiltak_iverksatt"
    avvik.assignee_id = avvik.assignee_id or actor_id
    avvik.updated_at = utcnow()
    session.add(avvik)
    session.flush()
    _event(session, avvik, actor_id=actor_id, kind="tiltak", from_status=previous, to_status=avvik.status,
           comment=f"tiltak:{tiltak.id}")
    audit.record(session, org_id=avvik.org_id, actor_id=actor_id, action="avvik.tiltak_added", entity="avvik",
                 entity_id=avvik.id, detail={"tiltak_id": tiltak.id})
    _notify_reporter(session, avvik, key=f"tiltak:{tiltak.id}", what=N_("Ditt avvik førte til tiltak"), tiltak=tiltak)
    if owner.id != actor_id:
        outbox.enqueue(session, org_id=avvik.org_id, dedupe_key=f"tiltak:{tiltak.id}:owner", kind="tiltak_owner",
                       recipient_person_id=owner.id, payload=lambda: notices.tiltak_to_owner(avvik, tiltak))
    return tiltak


@writes
def complete_tiltak(*, session: Session, actor_id: int, tiltak_id: int, effect: str | None = None) -> Tiltak:
    actor = org.load_actor(session, person_id=actor_id)
    tiltak = session.get(Tiltak, tiltak_id)
    if tiltak is None or tiltak.org_id != actor.org_id:
        raise NotFound(_("Fant ikke tiltaket."))
    avvik = session.get(Avvik, tiltak.avvik_id)
    assert avvik is not None
    if tiltak.owner_id != actor_id and not can_manage_avvik(actor, org_id=avvik.org_id, unit_id=avvik.unit_id,
                                                           assignee_id=avvik.assignee_id):
        raise PermissionDenied(_("Bare den ansvarlige eller lederen kan markere tiltaket som utført."))
    if tiltak.done_at is None:
        tiltak.done_at = utcnow()
        tiltak.effect = _clean(effect)[:MAX_TEXT] or None
        session.add(tiltak)
        _event(session, avvik, actor_id=actor_id, kind="tiltak_done", comment=f"tiltak:{tiltak.id}")
    return tiltak


@writes
def close_avvik(*, session: Session, actor_id: int, avvik_id: int, conclusion: str, effect_evaluation: str,
                open_tiltak_reason: str | None = None) -> Avvik:
    actor = org.load_actor(session, person_id=actor_id)
    avvik = _load_for_manage(session, actor, avvik_id)
    if avvik.status == "lukket":
        raise InvalidTransition(_("Avviket er allerede lukket."))
    errors = avvik_close.close_reason_errors(session, avvik, open_tiltak_reason)  # open tiltak need a reason
    if len(_clean(conclusion)) < 3:
        errors["conclusion"] = _("Skriv en konklusjon før du lukker.")
    if len(_clean(effect_evaluation)) < 3:
        errors["effect_evaluation"] = _("Vurder effekten av tiltakene før du lukker.")
    if len(_clean(conclusion)) > MAX_TEXT or len(_clean(effect_evaluation)) > MAX_TEXT:
        errors.setdefault("conclusion", _("Teksten kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT))
    if errors:
        raise ValidationFailed(errors)
    avvik_close.record_close_reason(session, avvik, actor_id=actor_id, reason=open_tiltak_reason)
    previous = avvik.status
    avvik.status = "lukket"
    avvik.conclusion = _clean(conclusion)
    avvik.effect_evaluation = _clean(effect_evaluation)
    avvik.closed_at = utcnow()
    avvik.updated_at = avvik.closed_at
    avvik.assignee_id = avvik.assignee_id or actor_id
    session.add(avvik)
    _event(session, avvik, actor_id=actor_id, kind="closed", from_status=previous, to_status="lukket",
           comment=avvik.conclusion)
    audit.record(session, org_id=avvik.org_id, actor_id=actor_id, action="avvik.closed", entity="avvik", entity_id=avvik.id)
    n_closed = session.exec(select(func.count()).select_from(AvvikEvent).where(
        AvvikEvent.avvik_id == avvik.id, AvvikEvent.kind == "closed")).one()
    _notify_reporter(session, avvik, key=f"closed:{n_closed}", what=N_("Avviket ditt er lukket."))
    return avvik


@writes
def reopen_avvik(*, session: Session, actor_id: int, avvik_id: int, reason: str) -> Avvik:
    actor = org.load_actor(session, person_id=actor_id)
    avvik = _load_for_manage(session, actor, avvik_id)
    if avvik.status != "lukket":
        raise InvalidTransition(_("Bare lukkede avvik kan gjenåpnes."))
    if len(_clean(reason)) < 3:
        raise ValidationFailed({"reason": _("Skriv hvorfor avviket gjenåpnes.")})
    avvik.status = "under_behandling"
    avvik.closed_at = None
    avvik.updated_at = utcnow()
    session.add(avvik)
    _event(session, avvik, actor_id=actor_id, kind="reopened", from_status="lukket", to_status="under_behandling",
           comment=_clean(reason)[:MAX_TEXT])
    audit.record(session, org_id=avvik.org_id, actor_id=actor_id, action="avvik.reopened", entity="avvik", entity_id=avvik.id)
    n = session.exec(select(func.count()).select_from(AvvikEvent).where(
        AvvikEvent.avvik_id == avvik.id, AvvikEvent.kind == "reopened")).one()
    _notify_reporter(session, avvik, key=f"reopened:{n}", what=N_("Avviket ditt er gjenåpnet for videre behandling."))
    return avvik


def list_my_avvik(*, session: Session, person_id: int, include_closed: bool = False, limit: int = 50) -> list[Avvik]:
    """Avvik I reported, handle, or own a tiltak in.

    Three indexed look-ups joined by UNION, not one OR: PostgreSQL turned the OR into a scan of
    every avvik of every kommune (128 ms per App Home refresh at 1,000,000 avvik, against 6.5 ms).
    """
    mine: CompoundSelect = union(select(col(Avvik.id)).where(col(Avvik.reporter_id) == person_id),
                 select(col(Avvik.id)).where(col(Avvik.assignee_id) == person_id),
                 select(col(Tiltak.avvik_id)).where(col(Tiltak.owner_id) == person_id))
    q = select(Avvik).where(col(Avvik.id).in_(select(mine.subquery().c[0])))
    if not include_closed:
        q = q.where(col(Avvik.status).in_(OPEN_AVVIK_STATUSES))
    return list(session.exec(q.order_by(col(Avvik.created_at).desc()).limit(limit)).all())


def list_unit_avvik(*, session: Session, actor_id: int, unit_id: int | None = None, only_open: bool = True,
                    limit: int = 100) -> list[Avvik]:
    """A leader's view: their units and every unit below, oldest first. Others get PermissionDenied."""
    q = _unit_avvik_query(session, org.load_actor(session, person_id=actor_id), unit_id, only_open)
    return list(session.exec(q.order_by(col(Avvik.created_at).asc()).limit(limit)).all())


def count_unit_avvik(*, session: Session, actor_id: int, unit_id: int | None = None, only_open: bool = True) -> int:
    """How many avvik `list_unit_avvik` would list without its limit (same rule, same refusals)."""
    q = _unit_avvik_query(session, org.load_actor(session, person_id=actor_id), unit_id, only_open)
    return int(session.exec(select(func.count()).select_from(q.subquery())).one())


def _unit_avvik_query(session: Session, actor: Actor, unit_id: int | None, only_open: bool) -> SelectOf[Avvik]:
    if not actor.is_leader:
        raise PermissionDenied(_("Bare ledere kan se avvik for en hel enhet."))
    # Filter on units alone when we have them: they already pin the organisation, and an
    # extra org_id condition lures SQLite onto the (org_id, created_at) index: 25× slower.
    if unit_id is not None:
        if not actor.manages(unit_id):
            raise PermissionDenied(_("Du er ikke leder for denne enheten."))
        q = select(Avvik).where(col(Avvik.unit_id).in_(org.subtree_ids(session, {unit_id})))
    elif not actor.org_wide:
        q = select(Avvik).where(col(Avvik.unit_id).in_(actor.managed_unit_ids))
    else:
        q = select(Avvik).where(Avvik.org_id == actor.org_id)
    if only_open:
        q = q.where(col(Avvik.status).in_(OPEN_AVVIK_STATUSES))
    return q


def history(*, session: Session, actor_id: int, avvik_id: int) -> list[AvvikEvent]:
    get_avvik(session=session, actor_id=actor_id, avvik_id=avvik_id)
    return list(session.exec(select(AvvikEvent).where(AvvikEvent.avvik_id == avvik_id).order_by(col(AvvikEvent.id))).all())


def list_tiltak(*, session: Session, actor_id: int, avvik_id: int) -> list[Tiltak]:
    get_avvik(session=session, actor_id=actor_id, avvik_id=avvik_id)
    return list(session.exec(select(Tiltak).where(Tiltak.avvik_id == avvik_id).order_by(col(Tiltak.id))).all())

