"""What the people and unit admin pages show: a searched, paged list of people, one person with their
roles, and the unit tree — each limited to what the reader may manage (least privilege on every read).

Why paging in SQL: a kommune has thousands of people, and the list must stay one page of rows,
counted and fetched with two queries, whatever the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, true
from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import PermissionDenied
from models.i18n import _
from models.services import org, people_admin
from models.services import people_rules as rules
from models.sql import pk
from models.tables import Person, PersonRole, Unit
from models.vocabulary import ROLE_LABELS, ROLES

PER_PAGE = 50
STATUSES = ("aktive", "deaktiverte", "alle")


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str
    unit: str
    roles: str
    active: bool


@dataclass(frozen=True)
class PeopleList:
    rows: tuple[PersonRow, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class RoleHeld:
    role: str
    unit_id: int | None
    label: str


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    email: str
    unit_id: int | None
    unit: str
    active: bool
    roles: tuple[RoleHeld, ...]
    may_edit: bool


def refuse_unless_allowed(actor: Actor) -> None:
    if not people_admin.may_administer(actor):
        raise PermissionDenied(people_admin.denied())


def role_label(role: str, unit_path: str | None = None) -> str:
    label = _(ROLE_LABELS.get(role, role))
    return _("{role} for {unit}").format(role=label, unit=unit_path) if unit_path else label


def unit_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """The active units the reader may place people in, by path."""
    return [(str(u.id), u.path) for u in org.list_units(session, org_id=actor.org_id)
            if people_admin.in_scope(actor, u.id)]


def role_choices(actor: Actor) -> list[tuple[str, str]]:
    """The roles the reader may give: every role for an admin, the leder role for a leader."""
    return [(r, _(ROLE_LABELS[r])) for r in ROLES if r != "ansatt" and (people_admin.is_admin(actor) or r == "leder")]


def _scope(session: Session, actor: Actor, unit_id: int | None) -> ColumnElement[bool]:
    units = org.subtree_ids(session, {unit_id}) if unit_id else None
    if not people_admin.is_admin(actor):
        units = (units or set(actor.managed_unit_ids)) & set(actor.managed_unit_ids)
    return col(Person.unit_id).in_(units or {-1}) if units is not None else true()


def list_people(session: Session, *, actor: Actor, query: str = "", unit_id: int | None = None,
                status: str = "aktive", page: int = 1) -> PeopleList:
    """People by name, filtered by name or e-mail, by unit (and below) and by status; one page of them."""
    refuse_unless_allowed(actor)
    where: list[ColumnElement[bool]] = [col(Person.org_id) == actor.org_id, _scope(session, actor, unit_id)]
    if status != "alle":
        where.append(col(Person.active).is_(status != "deaktiverte"))
    words = query.strip().lower()[:100]
    if words:
        like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(func.lower(Person.name).like(like, escape="\\"), col(Person.email).like(like, escape="\\")))
    total = session.exec(select(func.count()).select_from(Person).where(*where)).one()
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    people = session.exec(select(Person).where(*where).order_by(func.lower(Person.name), col(Person.id))
                          .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return PeopleList(rows=_rows(session, list(people)), total=total, page=page, pages=pages)


def _rows(session: Session, people: list[Person]) -> tuple[PersonRow, ...]:
    ids = {pk(p) for p in people}
    held: dict[int, list[str]] = {}
    for pid, role in session.exec(select(PersonRole.person_id, PersonRole.role)
                                  .where(col(PersonRole.person_id).in_(ids or {-1}))).all():
        held.setdefault(pid, []).append(_(ROLE_LABELS.get(role, role)))
    paths = _paths(session, {p.unit_id for p in people if p.unit_id})
    return tuple(PersonRow(id=pk(p), name=p.name, email=p.email, unit=paths.get(p.unit_id or -1, ""),
                           roles=", ".join(sorted(set(held.get(pk(p), [])))), active=p.active) for p in people)


def _paths(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {pk(u): u.path for u in session.exec(select(Unit).where(col(Unit.id).in_(ids))).all()}


def person_view(session: Session, *, actor: Actor, person_id: int) -> PersonView:
    refuse_unless_allowed(actor)
    person = people_admin.get_person(session, actor, person_id)
    held = sorted(rules.roles_of(session, pk(person)), key=lambda k: (ROLES.index(k[0]) if k[0] in ROLES else 99,
                                                                      k[1] or 0))
    paths = _paths(session, {u for _r, u in held if u} | ({person.unit_id} if person.unit_id else set()))
    return PersonView(id=pk(person), name=person.name, email=person.email, unit_id=person.unit_id,
                      unit=paths.get(person.unit_id or -1, ""), active=person.active,
                      roles=tuple(RoleHeld(r, u, role_label(r, paths.get(u) if u else None)) for r, u in held),
                      may_edit=people_admin.may_manage(session, actor, person))


@dataclass(frozen=True)
class UnitRow:
    id: int
    name: str
    path: str
    depth: int
    kind: str
    people: int
    parent_id: int | None


def list_units(session: Session, *, actor: Actor) -> tuple[UnitRow, ...]:
    """The unit tree the reader may manage, by path, with how many active people each unit has."""
    refuse_unless_allowed(actor)
    counts = dict(session.exec(select(Person.unit_id, func.count()).where(
        Person.org_id == actor.org_id, col(Person.active).is_(True)).group_by(col(Person.unit_id))).all())
    return tuple(UnitRow(id=pk(u), name=u.name, path=u.path, depth=u.path.count("/"), kind=u.kind,
                         people=int(counts.get(u.id, 0)), parent_id=u.parent_id)
                 for u in org.list_units(session, org_id=actor.org_id) if people_admin.in_scope(actor, u.id))


def parent_choices(session: Session, *, actor: Actor, below: Unit | None = None) -> list[tuple[str, str]]:
    """Where a unit may be put: the units in the reader's scope, never the unit itself or one below it."""
    return [(str(u.id), u.path) for u in org.list_units(session, org_id=actor.org_id)
            if people_admin.in_scope(actor, u.id) and (below is None or not u.id_path.startswith(below.id_path))]
