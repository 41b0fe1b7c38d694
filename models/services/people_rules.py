"""The per-person and per-unit rules that `trad org import` and the people admin pages both apply.

Why one module: a person added on /admin/personer and a row of the CSV import must be checked and
stored the same way (how an e-mail and a unit path are read, which roles exist and which of them
belong to a unit, that deactivating keeps history), or the two would drift apart. The import and
the pages call these functions; neither writes a Person or PersonRole any other way. The checks
return one message each, in the language in use, so the import lists them by line and a page
shows them on their fields.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from models.i18n import _
from models.services import org
from models.sql import pk
from models.tables import Person, PersonRole, Unit
from models.tables._common import utcnow
from models.vocabulary import ROLES

EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
ROLE_ALIASES = {"kommunedirektor": "kommunedirektør", "rådmann": "kommunedirektør", "enhetsleder": "leder",
                "virksomhetsleder": "leder", "avdelingsleder": "leder", "varslingsmottakar": "varslingsmottaker",
                "tilsett": "ansatt", "medarbeider": "ansatt", "direktør": "kommunalsjef"}
UNIT_ROLES = ("leder", "kommunalsjef")  # held for a unit (a leder's unit, a kommunalsjef's sector)
MAX_NAME = 200


def clean_email(text: str | None) -> str:
    return (text or "").strip().lower()


def clean_name(text: str | None) -> str:
    return " ".join((text or "").split())


def clean_path(text: str | None) -> str:
    """«Oppvekst / Aurvoll skole » → «Oppvekst/Aurvoll skole»."""
    return "/".join(p.strip() for p in (text or "").split("/") if p.strip())


def email_problem(email: str) -> str | None:
    if not EMAIL.match(email) or len(email) > 320:
        return _("ugyldig e-post «{email}»").format(email=email[:60])
    return None


def name_problem(name: str) -> str | None:
    if not name:
        return _("navn mangler")
    return _("navnet er for langt (høyst 200 tegn)") if len(name) > MAX_NAME else None


def path_problem(path: str) -> str | None:
    if not path:
        return _("enhet mangler (skriv f.eks. «Oppvekst/Aurvoll skole»)")
    if len(path) > 1000 or any(len(p) > MAX_NAME for p in path.split("/")):
        return _("enhetsnavnet er for langt")
    return None


def unit_name_problem(name: str) -> str | None:
    """One unit's own name (a path is names joined by «/», so a name cannot hold one)."""
    if not name:
        return _("enhetsnavnet mangler")
    if "/" in name:
        return _("enhetsnavnet kan ikke inneholde «/»")
    return _("enhetsnavnet er for langt") if len(name) > MAX_NAME else None


def parse_roles(text: str | None) -> tuple[tuple[str, ...], list[str]]:
    """«leder; admin» → the roles (aliases resolved, «ansatt» when empty) and a problem per unknown role."""
    roles: list[str] = []
    problems: list[str] = []
    for r in [x.strip() for x in re.split(r"[;|]", (text or "").strip().lower()) if x.strip()] or ["ansatt"]:
        r = ROLE_ALIASES.get(r, r)
        if r not in ROLES:
            problems.append(_("ukjent rolle «{role}» (gyldige: {roles})").format(role=r[:40], roles=", ".join(ROLES)))
        else:
            roles.append(r)
    return tuple(dict.fromkeys(roles)), problems


def role_key(role: str, unit_id: int | None) -> tuple[str, int | None]:
    """How a role is stored: a leder or kommunalsjef for a unit, every other role for the whole kommune."""
    return role, unit_id if role in UNIT_ROLES else None


def place_person(session: Session, *, org_id: int, person: Person | None, email: str, name: str, unit_id: int,
                 activate: bool) -> tuple[Person, bool]:
    """Create the person, or set their e-mail, name and unit (a move); `activate` as the import does for every row.

    Returns the person and whether anything changed.
    """
    if person is None:
        person = Person(org_id=org_id, email=email, name=name, unit_id=unit_id)
        session.add(person)
        session.flush()
        return person, True
    active = True if activate else person.active
    changed = (person.email, person.name, person.unit_id, person.active) != (email, name, unit_id, active)
    if changed:
        person.email, person.name, person.unit_id, person.active = email, name, unit_id, active
        person.updated_at = utcnow()
        session.add(person)
    return person, changed


def roles_of(session: Session, person_id: int) -> dict[tuple[str, int | None], PersonRole]:
    return {(r.role, r.unit_id): r for r in session.exec(select(PersonRole).where(PersonRole.person_id == person_id))}


def give_role(session: Session, person: Person, role: str, unit_id: int | None) -> bool:
    """False when the person already holds it."""
    key = role_key(role, unit_id)
    if key in roles_of(session, pk(person)):
        return False
    session.add(PersonRole(org_id=person.org_id, person_id=pk(person), role=key[0], unit_id=key[1]))
    session.flush()
    return True


def take_role(session: Session, person: Person, role: str, unit_id: int | None) -> bool:
    """False when the person does not hold it."""
    found = roles_of(session, pk(person)).get(role_key(role, unit_id))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def set_roles(session: Session, person: Person, roles: tuple[str, ...], unit_id: int) -> bool:
    """The import's rule: exactly these roles, a leder or kommunalsjef for the person's own unit. True if any changed."""
    want = {role_key(r, unit_id) for r in roles if r != "ansatt"}
    have = roles_of(session, pk(person))
    changed = False
    for key in set(have) - want:
        changed |= take_role(session, person, *key)
    for key in want - set(have):
        changed |= give_role(session, person, *key)
    return changed


def set_active(session: Session, person: Person, active: bool) -> bool:
    """Deactivating never deletes: every case, answer and audit line keeps its person. False if already so."""
    if person.active == active:
        return False
    person.active = active
    person.updated_at = utcnow()
    session.add(person)
    return True


def unit_for_path(session: Session, *, org_id: int, path: str) -> Unit:
    """The unit at a slash path, made along the way where missing (the import's «Oppvekst/Aurvoll skole»)."""
    return org.ensure_unit_path(session, org_id=org_id, path=path)


def snapshot(session: Session, person: Person) -> dict[str, Any]:
    """What the audit log keeps of a person, before and after a change."""
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    roles = sorted(roles_of(session, pk(person)), key=lambda k: (k[0], k[1] or 0))
    ids = {u for _r, u in roles if u is not None}
    paths = {pk(u): u.path for u in session.exec(select(Unit).where(col(Unit.id).in_(ids)))} if ids else {}
    return {"email": person.email, "name": person.name, "unit": unit.path if unit else None, "active": person.active,
            "roles": [f"{r}:{paths.get(u, u)}" if u is not None else r for r, u in roles]}


def people_by_email(session: Session, org_id: int) -> dict[str, Person]:
    return {p.email: p for p in session.exec(select(Person).where(Person.org_id == org_id).order_by(col(Person.id)))}
