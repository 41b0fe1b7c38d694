"""The plan's definitions: perspectives, goals (mål → delmål), indicators with targets, oppdrag ↔ goal.

`upsert_indicator` is the one way an indicator comes to exist or change: the plan import,
the demo and (later) the web settings all go through it, so re-importing updates in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.access import can_update_oppdrag
from models.errors import NotFound, PermissionDenied
from models.i18n import _
from models.services import audit, org
from models.services._tx import writes
from models.sql import pk
from models.tables import (
    Goal,
    Indicator,
    IndicatorTarget,
    IndicatorUnit,
    Oppdrag,
    OppdragUnit,
    Perspective,
    Unit,
)

DEFAULT_PERSPECTIVES = ("Tjenestekvalitet", "Medarbeidere", "Økonomi")


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator as a plan states it; codes as in models.indicator_rules."""

    perspective: str
    goal: tuple[str, ...]  # (mål,) or (mål, delmål)
    name: str
    measure: str
    direction: str
    frequency: str
    rollup: str
    unit_ids: tuple[int, ...]
    year: int
    target: float
    red_limit: float | None


@dataclass(frozen=True)
class GoalInfo:
    id: int
    title: str
    perspective: str
    parent_id: int | None
    indicator_names: tuple[str, ...]


def ensure_perspectives(session: Session, *, org_id: int) -> list[Perspective]:
    """The kommune's perspectives in order, creating the default three for a kommune that has none."""
    rows = list(session.exec(select(Perspective).where(Perspective.org_id == org_id)
                             .order_by(col(Perspective.position), col(Perspective.id))).all())
    if rows:
        return rows
    for i, name in enumerate(DEFAULT_PERSPECTIVES):
        session.add(Perspective(org_id=org_id, name=name, position=i))
    session.flush()
    return ensure_perspectives(session, org_id=org_id)


def _perspective(session: Session, org_id: int, name: str) -> Perspective:
    found = {p.name.lower(): p for p in ensure_perspectives(session, org_id=org_id)}
    hit = found.get(name.lower())
    if hit is None:
        hit = Perspective(org_id=org_id, name=name, position=len(found))
        session.add(hit)
        session.flush()
    return hit


def _goal(session: Session, org_id: int, perspective_id: int, titles: tuple[str, ...]) -> Goal:
    parent: Goal | None = None
    for title in titles:
        q = select(Goal).where(Goal.org_id == org_id, Goal.title == title,
                               Goal.parent_id == (parent.id if parent else None))
        goal = session.exec(q).first()
        if goal is None:
            goal = Goal(org_id=org_id, perspective_id=perspective_id, title=title,
                        parent_id=parent.id if parent else None)
            session.add(goal)
            session.flush()
        elif goal.perspective_id != perspective_id:
            goal.perspective_id = perspective_id
            session.add(goal)
        parent = goal
    assert parent is not None
    return parent


def leaf_unit_ids(session: Session, *, org_id: int) -> list[int]:
    """The units that report (no unit below them, not the kommunedirektør's own): what `alle` means in a plan."""
    parents = select(Unit.parent_id).where(Unit.org_id == org_id, col(Unit.parent_id).is_not(None))
    q = select(Unit.id).where(Unit.org_id == org_id, Unit.active == True, Unit.kind != "top",  # noqa: E712
                              col(Unit.id).not_in(parents))
    return [int(i) for i in session.exec(q.order_by(Unit.path)).all() if i is not None]


def upsert_indicator(session: Session, *, org_id: int, spec: IndicatorSpec, position: int = 0) -> tuple[Indicator, bool]:
    """Create or update the indicator named `spec.name`, its goal, its units and its target for
    `spec.year`. Does not commit: callers (an import) keep many rows in one transaction."""
    perspective = _perspective(session, org_id, spec.perspective)
    goal = _goal(session, org_id, pk(perspective), spec.goal)
    ind = session.exec(select(Indicator).where(Indicator.org_id == org_id, Indicator.name == spec.name)).first()
    created = ind is None
    if ind is None:
        ind = Indicator(org_id=org_id, goal_id=pk(goal), name=spec.name, measure=spec.measure,
                        direction=spec.direction, frequency=spec.frequency)
    ind.goal_id, ind.measure, ind.direction = pk(goal), spec.measure, spec.direction
    ind.frequency, ind.rollup, ind.position, ind.active = spec.frequency, spec.rollup, position, True
    session.add(ind)
    session.flush()
    have = {link.unit_id: link for link in session.exec(select(IndicatorUnit).where(IndicatorUnit.indicator_id == ind.id))}
    for unit_id, link in have.items():
        if unit_id not in spec.unit_ids:
            session.delete(link)
    for unit_id in set(spec.unit_ids) - set(have):
        session.add(IndicatorUnit(indicator_id=pk(ind), unit_id=unit_id, org_id=org_id))
    target = session.exec(select(IndicatorTarget).where(IndicatorTarget.indicator_id == ind.id,
                                                        IndicatorTarget.year == spec.year)).first()
    if target is None:
        target = IndicatorTarget(org_id=org_id, indicator_id=pk(ind), year=spec.year, target=spec.target)
    target.target, target.red_limit = spec.target, spec.red_limit
    session.add(target)
    session.flush()
    return ind, created


def list_goals(*, session: Session, org_id: int) -> list[GoalInfo]:
    """Every goal with its perspective and indicators, in plan order (mål before their delmål)."""
    persp = {pk(p): p for p in ensure_perspectives(session, org_id=org_id)}
    goals = session.exec(select(Goal).where(Goal.org_id == org_id).order_by(col(Goal.id))).all()
    names: dict[int, list[str]] = {}
    for goal_id, name in session.exec(select(Indicator.goal_id, Indicator.name)
                                      .where(Indicator.org_id == org_id, Indicator.active == True)  # noqa: E712
                                      .order_by(col(Indicator.position))):
        names.setdefault(goal_id, []).append(name)
    return [GoalInfo(id=pk(g), title=g.title, perspective=persp[g.perspective_id].name,
                     parent_id=g.parent_id, indicator_names=tuple(names.get(pk(g), [])))
            for g in goals]


@writes
def link_oppdrag_to_goal(*, session: Session, actor_id: int, number: int, goal_id: int | None) -> Oppdrag:
    """Tie an oppdrag to a goal (or untie it with None): its owner, its delegated leaders or an admin."""
    actor = org.load_actor(session, person_id=actor_id)
    oppdrag = session.exec(select(Oppdrag).where(Oppdrag.org_id == actor.org_id, Oppdrag.number == number)).first()
    if oppdrag is None:
        raise NotFound(_("Fant ikke oppdrag {number}.").format(number=number))
    delegated = set(session.exec(select(OppdragUnit.unit_id).where(OppdragUnit.oppdrag_id == oppdrag.id)).all())
    if not can_update_oppdrag(actor, org_id=oppdrag.org_id, owner_id=oppdrag.owner_id, delegated_unit_ids=delegated):
        raise PermissionDenied(_("Du er ikke eier av oppdrag {number} og kan ikke knytte det til et mål.").format(number=number))
    if goal_id is not None:
        goal = session.get(Goal, goal_id)
        if goal is None or goal.org_id != actor.org_id:
            raise NotFound(_("Fant ikke målet."))
    oppdrag.goal_id = goal_id
    session.add(oppdrag)
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="oppdrag.goal_linked", entity="oppdrag",
                 entity_id=oppdrag.id, detail={"goal_id": goal_id})
    return oppdrag
