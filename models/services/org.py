"""Organisations, the unit tree and the people in it; builds the `Actor` every rule checks."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, event, func, or_
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import Insert
from sqlmodel import Session, select

from models.access import LINE_ROLES, ORG_WIDE_ROLES, Actor
from models.errors import NotFound, UnknownPerson
from models.i18n import _
from models.sql import SelectRows, col, pk, table_of
from models.tables import Counter, Organisation, Person, PersonRole, Unit


def get_org(session: Session, *, slug: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if org is None:
        raise NotFound(_("Fant ingen kommune med kortnavn «{slug}». Kjør «trad demo» eller importer organisasjonen.").format(slug=slug))
    return org


def default_org(session: Session, *, slug: str) -> Organisation:
    """The kommune this deployment serves: the one with `slug` (TRAD_ORG, passed in by the caller), else the first."""
    org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if org is None:
        org = session.exec(select(Organisation).order_by(col(Organisation.id))).first()
    if org is None:
        raise NotFound(_("Databasen har ingen kommune ennå. Kjør «trad demo» eller «trad org import»."))
    return org


@lru_cache(maxsize=4)
def _bump_counter(dialect: str) -> Insert:
    """Built once per dialect: INSERT … ON CONFLICT DO UPDATE … RETURNING, one statement.

    The first number of a sequence is an insert, every later one an update of the same
    row; the upsert makes both one atomic step, so two writers asking for the first
    number at once (a new kommune, a new year of varsel numbers) get 1 and 2, never a
    duplicate-key error. On PostgreSQL later writers queue on the row lock.
    """
    table = table_of(Counter)
    ins = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).values(
        org_id=bindparam("b_org_id"), name=bindparam("b_name"), value=1)
    return ins.on_conflict_do_update(index_elements=["org_id", "name"],
                                     set_={"value": table.c.value + 1}).returning(table.c.value)


def next_number(session: Session, *, org_id: int, name: str) -> int:
    """Next value of a per-organisation sequence, safe under concurrent writers."""
    stmt = _bump_counter(session.get_bind().dialect.name)
    return int(session.connection().execute(stmt, {"b_org_id": org_id, "b_name": name}).scalar_one())


def subtree_ids(session: Session, unit_ids: set[int]) -> set[int]:
    """The units given and every unit below them."""
    if not unit_ids:
        return set()
    paths = session.exec(select(Unit.id_path).where(col(Unit.id).in_(unit_ids))).all()
    conds = [col(Unit.id_path).startswith(p) for p in paths]
    return {uid for uid in session.exec(select(col(Unit.id)).where(or_(*conds))).all() if uid is not None}


def ancestors(session: Session, unit_id: int) -> list[Unit]:
    """The unit itself first, then each unit above it up to the top."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return []
    ids = [int(x) for x in unit.id_path.strip("/").split("/") if x]
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(ids))).all()}
    return [units[i] for i in reversed(ids) if i in units]


@lru_cache(maxsize=1)
def _actor_rows() -> Select[*tuple[Any, ...]]:
    """The person and each of their roles, as plain columns in one query. Built once: every
    use case starts here, so it is the most often run query of all."""
    person, role = table_of(Person), table_of(PersonRole)
    p, r = person.c, role.c
    return (
        core_select(p.id, p.org_id, p.name, p.email, p.unit_id, p.active, r.role, r.unit_id.label("role_unit_id"))
        .select_from(person.outerjoin(role, r.person_id == p.id))
        .where(p.id == bindparam("b_person_id"))
    )


_ACTORS = "trad.actors"


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_actors(session: OrmSession, _transaction: object) -> None:
    session.info.pop(_ACTORS, None)


def load_actor(session: Session, *, person_id: int) -> Actor:
    """Who is acting, with every role and unit they lead, as one transaction sees them.

    Kept for the rest of the transaction (in `session.info`): building the App Home asks
    five services, each of which checks the same person's rights.
    """
    cache: dict[int, Actor] = session.info.setdefault(_ACTORS, {})
    actor = cache.get(person_id)
    if actor is None:
        actor = cache[person_id] = _read_actor(session, person_id)
    return actor


def _read_actor(session: Session, person_id: int) -> Actor:
    rows = session.execute(_actor_rows(), {"b_person_id": person_id}).all()  # autoflushes, unlike connection()
    if not rows or not rows[0].active:
        raise UnknownPerson(_("Du er ikke registrert som aktiv ansatt i Tråd. Kontakt din leder eller Tråd-administratoren."))
    person = rows[0]
    role_names = frozenset({r.role for r in rows if r.role} | {"ansatt"})
    led = frozenset(r.role_unit_id for r in rows if r.role in LINE_ROLES and r.role_unit_id is not None)
    org_wide = bool(role_names & set(ORG_WIDE_ROLES))
    managed = frozenset(subtree_ids(session, set(led)))
    return Actor(
        person_id=person.id,
        org_id=person.org_id,
        name=person.name,
        email=person.email,
        unit_id=person.unit_id,
        roles=role_names,
        led_unit_ids=led,
        managed_unit_ids=managed,
        org_wide=org_wide,
    )


def find_person_by_email(session: Session, *, email: str, org_id: int | None = None) -> Person:
    q = select(Person).where(func.lower(Person.email) == email.strip().lower(), Person.active == True)  # noqa: E712
    if org_id is not None:
        q = q.where(Person.org_id == org_id)
    person = session.exec(q.order_by(col(Person.id))).first()
    if person is None:
        raise UnknownPerson(
            _("Jeg finner deg ikke blant de ansatte i Tråd. Be din leder eller Tråd-administratoren "
            "om å legge deg inn med e-postadressen din.")
        )
    return person


def leaders_for_unit(session: Session, *, unit_id: int, exclude: int | None = None) -> list[Person]:
    """The nearest leaders: the unit's own leder, else the leader of the closest unit above.

    `exclude` skips a person (the reporter): a leader reporting in their own unit is
    handled by the leader above them, not by themselves. One query for the whole line.
    """
    unit = session.get(Unit, unit_id)
    if unit is None:
        return []
    line = [int(x) for x in unit.id_path.strip("/").split("/") if x]  # top … unit
    rows = session.exec(_line_leaders(), params={"line": line}).all()
    for uid in reversed(line):
        people = list({p.id: p for p, led in rows if led == uid and p.id != exclude}.values())
        if people:
            return people
    return list(
        session.exec(
            select(Person)
            .join(PersonRole, col(PersonRole.person_id) == Person.id)
            .where(Person.org_id == unit.org_id, PersonRole.role == "kommunedirektør", Person.active == True)  # noqa: E712
        ).all()
    )


@lru_cache(maxsize=1)
def _line_leaders() -> SelectRows[Person, int | None]:
    """(Person, unit led) for every active line leader of the units in :line. Built once: it
    runs for every avvik reported, and building the statement cost as much as running it."""
    return (
        select(Person, PersonRole.unit_id)
        .join(PersonRole, col(PersonRole.person_id) == Person.id)
        .where(col(PersonRole.unit_id).in_(bindparam("line", expanding=True)),
               col(PersonRole.role).in_(LINE_ROLES), Person.active == True)  # noqa: E712
        .order_by(col(Person.id))
    )


def unit_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Unit id → name for a list of rows, in one query rather than one look-up per row."""
    if not ids:
        return {}
    return {pk(u): u.name for u in session.exec(select(Unit).where(col(Unit.id).in_(ids))).all()}


def person_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Person id → name for a list of rows, in one query rather than one look-up per row."""
    if not ids:
        return {}
    return {pk(p): p.name for p in session.exec(select(Person).where(col(Person.id).in_(ids))).all()}


def list_units(session: Session, *, org_id: int) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.org_id == org_id, Unit.active == True).order_by(col(Unit.path))).all())  # noqa: E712


def unit_choices(session: Session, *, org_id: int) -> list[Row[Any]]:
    """The open units as (id, name, kind, path) rows, in path order, for a picker.

    Why not `list_units`: the avvik form lists every unit after each `/avvik` ack, and making a few
    hundred rows into ORM objects was three quarters of the form's CPU in a kommune of 300 units
    (bench/slack.md, 2026-12-05 18:30)."""
    return list(session.connection().execute(_unit_choices(), {"org_id": org_id}).all())


@lru_cache(maxsize=1)
def _unit_choices() -> Select[Any]:
    unit = table_of(Unit)
    return (core_select(unit.c.id, unit.c.name, unit.c.kind, unit.c.path)
            .where(unit.c.org_id == bindparam("org_id"), unit.c.active.is_(True)).order_by(unit.c.path))


def unit_by_path(session: Session, *, org_id: int, path: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.org_id == org_id, Unit.path == path)).first()


def ensure_unit_path(session: Session, *, org_id: int, path: str) -> Unit:
    """Create each missing unit along a slash path ("Oppvekst/Aurvoll skole") and return the last."""
    parent: Unit | None = None
    parts = [p.strip() for p in path.split("/") if p.strip()]
    for depth, name in enumerate(parts):
        sub = "/".join(parts[: depth + 1])
        unit = unit_by_path(session, org_id=org_id, path=sub)
        if unit is None:
            kind = "sector" if depth == 0 and len(parts) > 1 else "unit"
            unit = Unit(org_id=org_id, parent_id=parent.id if parent else None, name=name, path=sub, kind=kind)
            session.add(unit)
            session.flush()
            unit.id_path = f"{parent.id_path if parent else '/'}{unit.id}/"
            session.add(unit)
            session.flush()
        parent = unit
    assert parent is not None
    return parent


def org_ids(session: Session) -> list[int]:
    """Every kommune's id, for jobs that run once per kommune (nudges, summaries)."""
    return [i for i in session.exec(select(Organisation.id).order_by(col(Organisation.id))).all() if i is not None]
