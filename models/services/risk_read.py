"""The read side of the ROS register: the 5×5 matrix, top risks with tiltak, one risk in full.

Typed, frozen results; each query's cost follows the result (25 cells at most, `limit`
risks and their tiltak), never the size of the table. The `*_for_units` functions are the
system-level forms the politicians' reports use; the actor-scoped ones read along the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied
from models.governance_terms import RISK_STATUSES, TREATMENTS, risk_ref
from models.i18n import _
from models.risk import severity
from models.services import org
from models.services.risk import can_view, load_for_view
from models.tables import Avvik, Person, Risk, RiskAvvikLink, RiskTiltak, Unit


@dataclass(frozen=True)
class RiskMatrix:
    """Counts per cell: `cells[p - 1][c - 1]` is the number of risks with sannsynlighet p and konsekvens c."""

    cells: tuple[tuple[int, ...], ...]
    after: bool

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.cells)

    def count(self, probability: int, consequence: int) -> int:
        return self.cells[probability - 1][consequence - 1]

    def by_severity(self) -> dict[str, int]:
        """Counts per band (lav, middels, høy, kritisk), for text beside the chart."""
        out: dict[str, int] = {}
        for p in range(1, 6):
            for c in range(1, 6):
                label = severity(p * c)
                out[label] = out.get(label, 0) + self.cells[p - 1][c - 1]
        return out


@dataclass(frozen=True)
class RiskTiltakView:
    id: int
    description: str
    owner_name: str
    deadline: date
    done: bool


@dataclass(frozen=True)
class RiskView:
    id: int
    number: int
    ref: str
    title: str
    description: str
    cause: str
    consequence_text: str
    unit_id: int
    unit_name: str
    process: str
    goal_id: int | None
    probability_before: int
    consequence_before: int
    risk_before: int
    probability_after: int
    consequence_after: int
    risk_after: int
    severity: str
    treatment: str
    treatment_label: str
    owner_id: int
    owner_name: str
    review_date: date
    status: str
    status_label: str
    reviewed_at: datetime | None
    tiltak: tuple[RiskTiltakView, ...]
    linked_avvik: tuple[int, ...]  # avvik numbers (AV-n)


def _unit_filter(org_id: int, unit_ids: set[int] | None) -> ColumnElement[bool]:
    if unit_ids is None:
        return col(Risk.org_id) == org_id
    return col(Risk.unit_id).in_(unit_ids or {-1})


def matrix_for_units(session: Session, *, org_id: int, unit_ids: set[int] | None = None,
                     after: bool = False) -> RiskMatrix:
    """Active risks per cell, for the given units (None: the whole kommune). One GROUP BY."""
    p = col(Risk.probability_after) if after else col(Risk.probability_before)
    c = col(Risk.consequence_after) if after else col(Risk.consequence_before)
    rows = session.exec(select(p, c, func.count()).where(_unit_filter(org_id, unit_ids), Risk.status == "aktiv")
                        .group_by(p, c)).all()
    grid = [[0] * 5 for _ in range(5)]
    for prob, cons, n in rows:
        grid[prob - 1][cons - 1] = int(n)
    return RiskMatrix(cells=tuple(tuple(r) for r in grid), after=after)


def scope_units(session: Session, actor: Actor, unit_id: int | None,
                denied: str = "Bare ledere kan se risikobildet for en enhet.") -> set[int] | None:
    """The units an actor reads: a unit (a sector is a unit too) and all below, or all they manage.

    None means the whole kommune (org-wide roles only). Employees without a line role get
    PermissionDenied, as for avvik lists.
    """
    if unit_id is not None:
        if not actor.manages(unit_id):
            raise PermissionDenied(_("Du er ikke leder for denne enheten."))
        return org.subtree_ids(session, {unit_id})
    if actor.org_wide:
        return None
    if not actor.is_leader:
        raise PermissionDenied(denied)
    return set(actor.managed_unit_ids)


def risk_matrix(*, session: Session, actor_id: int, unit_id: int | None = None, after: bool = False) -> RiskMatrix:
    actor = org.load_actor(session, person_id=actor_id)
    return matrix_for_units(session, org_id=actor.org_id, unit_ids=scope_units(session, actor, unit_id), after=after)


def top_risks_for_units(session: Session, *, org_id: int, unit_ids: set[int] | None = None, limit: int = 10,
                        after: bool = False) -> list[RiskView]:
    """The highest-scoring active risks, with their tiltak; ties go to the earliest review date."""
    score = Risk.risk_after if after else Risk.risk_before
    rows = session.exec(select(Risk).where(_unit_filter(org_id, unit_ids), Risk.status == "aktiv")
                        .order_by(col(score).desc(), col(Risk.review_date), col(Risk.id)).limit(limit)).all()
    return _views(session, list(rows))


def top_risks(*, session: Session, actor_id: int, unit_id: int | None = None, limit: int = 10,
              after: bool = False) -> list[RiskView]:
    actor = org.load_actor(session, person_id=actor_id)
    return top_risks_for_units(session, org_id=actor.org_id, unit_ids=scope_units(session, actor, unit_id),
                               limit=limit, after=after)


def get_risk(*, session: Session, actor_id: int, risk_id: int) -> RiskView:
    actor = org.load_actor(session, person_id=actor_id)
    return _views(session, [load_for_view(session, actor, risk_id)])[0]


def find_risk_id(*, session: Session, actor_id: int, number: int) -> int:
    """The id of RO-`number` in the person's kommune, if they may see it (else NotFound, like a risk that is not there)."""
    actor = org.load_actor(session, person_id=actor_id)
    found = session.exec(select(Risk).where(col(Risk.org_id) == actor.org_id, col(Risk.number) == number)).first()
    if found is None or not can_view(session, actor, found):
        raise NotFound(_("Fant ingen risiko RO-{number}.").format(number=number))
    return int(found.id or 0)


def _views(session: Session, risks: list[Risk]) -> list[RiskView]:
    """Three small queries for any number of risks: tiltak, names, linked avvik."""
    if not risks:
        return []
    ids = [r.id for r in risks]
    tiltak = session.exec(select(RiskTiltak).where(col(RiskTiltak.risk_id).in_(ids))
                          .order_by(col(RiskTiltak.deadline), col(RiskTiltak.id))).all()
    people = {r.owner_id for r in risks} | {t.owner_id for t in tiltak}
    names = dict(session.exec(select(Person.id, Person.name).where(col(Person.id).in_(people))).all())
    units = dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_({r.unit_id for r in risks}))).all())
    links = session.exec(select(RiskAvvikLink.risk_id, Avvik.number).join(Avvik, col(Avvik.id) == col(RiskAvvikLink.avvik_id))
                         .where(col(RiskAvvikLink.risk_id).in_(ids)).order_by(col(Avvik.number))).all()
    return [_view(r, [t for t in tiltak if t.risk_id == r.id], names, units,
                  tuple(n for rid, n in links if rid == r.id)) for r in risks]


def _view(r: Risk, tiltak: list[RiskTiltak], names: dict[int | None, str], units: dict[int | None, str],
          linked: tuple[int, ...]) -> RiskView:
    return RiskView(
        id=r.id, number=r.number, ref=risk_ref(r.number), title=r.title, description=r.description,  # type: ignore[arg-type]
        cause=r.cause, consequence_text=r.consequence_text, unit_id=r.unit_id, unit_name=units.get(r.unit_id, "–"),
        process=r.process, goal_id=r.goal_id, probability_before=r.probability_before,
        consequence_before=r.consequence_before, risk_before=r.risk_before, probability_after=r.probability_after,
        consequence_after=r.consequence_after, risk_after=r.risk_after, severity=severity(r.risk_before),
        treatment=r.treatment, treatment_label=TREATMENTS.get(r.treatment, r.treatment), owner_id=r.owner_id,
        owner_name=names.get(r.owner_id, "–"), review_date=r.review_date, status=r.status,
        status_label=RISK_STATUSES.get(r.status, r.status), reviewed_at=r.reviewed_at,
        tiltak=tuple(RiskTiltakView(id=t.id, description=t.description, owner_name=names.get(t.owner_id, "–"),  # type: ignore[arg-type]
                                    deadline=t.deadline, done=t.done_at is not None) for t in tiltak),
        linked_avvik=linked,
    )
