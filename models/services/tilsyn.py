"""The tilsyn register: statlige tilsyn, their findings (avvik, merknad, pålegg), deadlines, tiltak and status.

Written and read along the line like avvik: a leader manages the tilsyn of their units and
below, the kommunedirektør and admins all of them. A finding's deadline can never be
before the tilsyn itself; bad input is refused whole, with a message per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.governance_terms import FINDING_KINDS, FINDING_STATUSES, OPEN_FINDING_STATUSES, TILSYN_AUTHORITIES
from models.i18n import N_, _, fmt_date
from models.periods import local_date
from models.services import audit, org
from models.services._tx import writes
from models.services.risk_read import scope_units
from models.tables import Person, Tilsyn, TilsynFinding, Unit
from models.tables._common import utcnow

MAX_THEME = 300
MAX_TEXT = 5000


@dataclass(frozen=True)
class FindingInput:
    kind: str
    description: str
    deadline: date
    tiltak: str = ""
    owner_id: int | None = None


@dataclass(frozen=True)
class TilsynInput:
    authority: str
    held_on: date
    theme: str
    unit_id: int
    authority_name: str = ""


@dataclass(frozen=True)
class FindingView:
    id: int
    kind: str
    kind_label: str
    description: str
    deadline: date
    tiltak: str
    owner_name: str | None
    status: str
    status_label: str
    overdue: bool


@dataclass(frozen=True)
class TilsynView:
    id: int
    authority: str
    authority_label: str
    held_on: date
    theme: str
    unit_id: int
    unit_name: str
    findings: tuple[FindingView, ...]


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def _finding_errors(session: Session, org_id: int, f: FindingInput, held_on: date, prefix: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if f.kind not in FINDING_KINDS:
        errors[f"{prefix}kind"] = _("Velg type funn: avvik, merknad eller pålegg.")
    if not 3 <= len(_clean(f.description)) <= MAX_TEXT:
        errors[f"{prefix}description"] = _("Beskriv funnet.") if len(_clean(f.description)) < 3 else \
            _("Beskrivelsen kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT)
    if f.deadline < held_on:
        errors[f"{prefix}deadline"] = _("Fristen kan ikke være før tilsynsdatoen ({date}).").format(date=fmt_date(held_on))
    if len(_clean(f.tiltak)) > MAX_TEXT:
        errors[f"{prefix}tiltak"] = _("Tiltaket kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT)
    if f.owner_id is not None:
        owner = session.get(Person, f.owner_id)
        if owner is None or owner.org_id != org_id or not owner.active:
            errors[f"{prefix}owner_id"] = _("Velg en ansvarlig i kommunen.")
    return errors


def _new_finding(org_id: int, tilsyn_id: int, f: FindingInput) -> TilsynFinding:
    return TilsynFinding(org_id=org_id, tilsyn_id=tilsyn_id, kind=f.kind, description=_clean(f.description),
                         deadline=f.deadline, tiltak=_clean(f.tiltak), owner_id=f.owner_id)


@writes
def register_tilsyn(*, session: Session, actor_id: int, data: TilsynInput,
                    findings: Sequence[FindingInput] = ()) -> Tilsyn:
    """Register a tilsyn with its findings in one go; any bad field stops all of it."""
    actor = org.load_actor(session, person_id=actor_id)
    errors: dict[str, str] = {}
    if data.authority not in TILSYN_AUTHORITIES:
        errors["authority"] = _("Velg tilsynsmyndighet fra listen.")
    elif data.authority == "annet" and len(_clean(data.authority_name)) < 2:
        errors["authority_name"] = _("Skriv hvilken myndighet som førte tilsynet.")
    if not 3 <= len(_clean(data.theme)) <= MAX_THEME:
        errors["theme"] = _("Skriv temaet for tilsynet (3–{max_theme} tegn).").format(max_theme=MAX_THEME)
    unit = session.get(Unit, data.unit_id)
    if unit is None or unit.org_id != actor.org_id or not unit.active:
        errors["unit_id"] = _("Velg en enhet i din kommune.")
    for i, f in enumerate(findings):
        errors.update(_finding_errors(session, actor.org_id, f, data.held_on, f"findings.{i}."))
    if errors:
        raise ValidationFailed(errors)
    if not actor.manages(data.unit_id):
        raise PermissionDenied(_("Bare ledere for enheten kan registrere tilsyn for den."))
    tilsyn = Tilsyn(org_id=actor.org_id, authority=data.authority, authority_name=_clean(data.authority_name),
                    held_on=data.held_on, theme=_clean(data.theme), unit_id=data.unit_id, created_by_id=actor_id)
    session.add(tilsyn)
    session.flush()
    for f in findings:
        session.add(_new_finding(actor.org_id, tilsyn.id, f))  # type: ignore[arg-type]
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="tilsyn.registered", entity="tilsyn",
                 entity_id=tilsyn.id, detail={"findings": len(findings)})
    return tilsyn


def _managed_tilsyn(session: Session, actor_id: int, tilsyn_id: int) -> Tilsyn:
    actor = org.load_actor(session, person_id=actor_id)
    tilsyn = session.get(Tilsyn, tilsyn_id)
    if tilsyn is None or tilsyn.org_id != actor.org_id or not actor.manages(tilsyn.unit_id):
        raise NotFound(_("Fant ikke tilsynet."))
    return tilsyn


@writes
def add_finding(*, session: Session, actor_id: int, tilsyn_id: int, data: FindingInput) -> TilsynFinding:
    tilsyn = _managed_tilsyn(session, actor_id, tilsyn_id)
    errors = _finding_errors(session, tilsyn.org_id, data, tilsyn.held_on, "")
    if errors:
        raise ValidationFailed(errors)
    finding = _new_finding(tilsyn.org_id, tilsyn_id, data)
    session.add(finding)
    session.flush()
    audit.record(session, org_id=tilsyn.org_id, actor_id=actor_id, action="tilsyn.finding_added", entity="tilsyn",
                 entity_id=tilsyn_id, detail={"finding_id": finding.id})
    return finding


@writes
def update_finding(*, session: Session, actor_id: int, finding_id: int, status: str | None = None,
                   tiltak: str | None = None, deadline: date | None = None, owner_id: int | None = None) -> TilsynFinding:
    """Change a finding's status, tiltak, deadline or owner. The finding's owner may update status and tiltak."""
    actor = org.load_actor(session, person_id=actor_id)
    finding = session.get(TilsynFinding, finding_id)
    tilsyn = session.get(Tilsyn, finding.tilsyn_id) if finding else None
    if finding is None or tilsyn is None or finding.org_id != actor.org_id:
        raise NotFound(_("Fant ikke funnet."))
    manages = actor.manages(tilsyn.unit_id)
    if not manages and finding.owner_id != actor_id:
        raise NotFound(_("Fant ikke funnet."))
    if not manages and (deadline is not None or owner_id is not None):
        raise PermissionDenied(_("Bare lederen kan endre frist eller ansvarlig."))
    errors: dict[str, str] = {}
    if status is not None and status not in FINDING_STATUSES:
        errors["status"] = _("Velg status: åpen, under arbeid eller lukket.")
    new = FindingInput(kind=finding.kind, description=finding.description, deadline=deadline or finding.deadline,
                       tiltak=finding.tiltak if tiltak is None else tiltak, owner_id=owner_id or finding.owner_id)
    errors.update(_finding_errors(session, finding.org_id, new, tilsyn.held_on, ""))
    if errors:
        raise ValidationFailed(errors)
    finding.deadline, finding.tiltak, finding.owner_id = new.deadline, _clean(new.tiltak), new.owner_id
    if status is not None and status != finding.status:
        finding.status = status
        finding.closed_at = utcnow() if status == "lukket" else None
    finding.updated_at = utcnow()
    session.add(finding)
    audit.record(session, org_id=finding.org_id, actor_id=actor_id, action="tilsyn.finding_updated", entity="tilsyn",
                 entity_id=tilsyn.id, detail={"finding_id": finding.id, "status": finding.status})
    return finding


def tilsyn_for_units(session: Session, *, org_id: int, unit_ids: set[int] | None = None, year: int | None = None,
                     limit: int = 50, today: date | None = None) -> list[TilsynView]:
    """Tilsyn newest first with their findings; system-level form for the reports."""
    q = select(Tilsyn).where(col(Tilsyn.org_id) == org_id if unit_ids is None else col(Tilsyn.unit_id).in_(unit_ids or {-1}))
    if year is not None:
        q = q.where(col(Tilsyn.held_on) >= date(year, 1, 1), col(Tilsyn.held_on) <= date(year, 12, 31))
    rows = list(session.exec(q.order_by(col(Tilsyn.held_on).desc(), col(Tilsyn.id).desc()).limit(limit)).all())
    if not rows:
        return []
    today = today or local_date(utcnow())
    findings = session.exec(select(TilsynFinding).where(col(TilsynFinding.tilsyn_id).in_([t.id for t in rows]))
                            .order_by(col(TilsynFinding.deadline), col(TilsynFinding.id))).all()
    owners = {f.owner_id for f in findings if f.owner_id}
    names = dict(session.exec(select(Person.id, Person.name).where(col(Person.id).in_(owners))).all()) if owners else {}
    units = dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_({t.unit_id for t in rows}))).all())
    return [TilsynView(
        id=t.id, authority=t.authority, held_on=t.held_on, theme=t.theme, unit_id=t.unit_id,  # type: ignore[arg-type]
        authority_label=t.authority_name if t.authority == "annet" else TILSYN_AUTHORITIES.get(t.authority, t.authority),
        unit_name=units.get(t.unit_id, "–"),
        findings=tuple(FindingView(
            id=f.id, kind=f.kind, kind_label=FINDING_KINDS.get(f.kind, f.kind), description=f.description,  # type: ignore[arg-type]
            deadline=f.deadline, tiltak=f.tiltak, owner_name=names.get(f.owner_id) if f.owner_id else None,
            status=f.status, status_label=FINDING_STATUSES.get(f.status, f.status),
            overdue=f.status in OPEN_FINDING_STATUSES and f.deadline < today) for f in findings if f.tilsyn_id == t.id),
    ) for t in rows]


def list_tilsyn(*, session: Session, actor_id: int, unit_id: int | None = None, year: int | None = None,
                limit: int = 50) -> list[TilsynView]:
    """A leader's tilsyn, read along the line; employees without a line role are refused."""
    actor = org.load_actor(session, person_id=actor_id)
    units = scope_units(session, actor, unit_id, N_("Bare ledere kan se tilsyn for en enhet."))
    return tilsyn_for_units(session, org_id=actor.org_id, unit_ids=units, year=year, limit=limit)
