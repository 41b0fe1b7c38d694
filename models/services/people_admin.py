"""People one at a time, from the admin pages: add a person or a leader, move them, deactivate and
reactivate them, give and take roles.

Who may: role `admin` for the whole kommune; a leder or kommunalsjef for the people in the units they
lead and below — they may add and move people there and give the leder role for those units, but not
give or take the roles that reach the whole kommune (admin, kommunedirektør, varslingsmottaker) or a
sector (kommunalsjef), and not change a person who holds one. The rules for the person's fields and
roles are `people_rules`, the same the CSV import applies; every change is in the audit log with the
person as they were before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import _
from models.services import audit, org
from models.services import people_rules as rules
from models.services._tx import writes
from models.sql import pk
from models.tables import Person, Unit
from models.vocabulary import ROLES

ADMIN_ROLES = ("admin", "kommunedirektør", "varslingsmottaker", "kommunalsjef")  # only an admin gives these


@dataclass(frozen=True)
class PersonInput:
    email: str
    name: str
    unit_id: int | None
    role: str = "ansatt"  # a new person's role: a leder or kommunalsjef is one for the person's own unit


def denied() -> str:
    return _("Du har ikke tilgang til å endre denne personen. Det kan administratorer, og ledere for personer "
             "i egne enheter.")


def role_denied(role: str) -> str:
    return _("Du kan ikke gi eller ta rollen «{role}». Ledere kan gi lederrollen for egne enheter; "
             "andre roller gir en administrator.").format(role=role)


def is_admin(actor: Actor) -> bool:
    return "admin" in actor.roles


def may_administer(actor: Actor) -> bool:
    """Whether the person gets the people pages at all: admins, and leaders for their own units."""
    return is_admin(actor) or bool(actor.led_unit_ids)


def in_scope(actor: Actor, unit_id: int | None) -> bool:
    """A unit this person may place people in: any for an admin, else the units they lead and below."""
    return is_admin(actor) or (unit_id is not None and unit_id in actor.managed_unit_ids)


def may_give(actor: Actor, role: str, unit_id: int | None) -> bool:
    if role not in ROLES or role == "ansatt":
        return False
    return is_admin(actor) or (role == "leder" and unit_id is not None and unit_id in actor.managed_unit_ids)


def may_manage(session: Session, actor: Actor, person: Person) -> bool:
    """An admin manages everyone in the kommune; a leader the people below them who hold no kommune-wide role."""
    if person.org_id != actor.org_id:
        return False
    if is_admin(actor):
        return True
    if person.id == actor.person_id or not in_scope(actor, person.unit_id):
        return False
    return not any(r in ADMIN_ROLES for r, _u in rules.roles_of(session, pk(person)))


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    """The person, if the actor may see them (others are «not found»: their existence is not told)."""
    person = session.get(Person, person_id)
    if person is None or person.org_id != actor.org_id or not (is_admin(actor) or in_scope(actor, person.unit_id)):
        raise NotFound(_("Fant ikke personen."))
    return person


def _unit_problem(session: Session, org_id: int, unit_id: int | None) -> str | None:
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.org_id != org_id or not unit.active:
        return _("Velg en enhet i kommunen.")
    return None


def _role_problem(session: Session, role: str, unit_id: int | None) -> str | None:
    if role not in ROLES:
        return _("Velg en rolle fra listen.")
    unit = session.get(Unit, unit_id) if unit_id else None
    if role == "kommunalsjef" and unit is not None and unit.parent_id is not None:
        return _("En kommunalsjef har en sektor: velg en enhet øverst i treet.")
    return None


def validate(session: Session, *, org_id: int, data: PersonInput, person_id: int | None = None) -> dict[str, str]:
    """Every field's problem at once: the import's rules, and the e-mail not taken by someone else."""
    errors: dict[str, str] = {}
    for name, problem in (("email", rules.email_problem(data.email)), ("name", rules.name_problem(data.name)),
                          ("unit_id", _unit_problem(session, org_id, data.unit_id)),
                          ("role", _role_problem(session, data.role, data.unit_id))):
        if problem:
            errors[name] = problem
    other = session.exec(select(Person).where(Person.org_id == org_id, Person.email == data.email,
                                              col(Person.id) != (person_id or -1))).first()
    if "email" not in errors and other is not None:
        errors["email"] = (_("e-posten er allerede registrert på {name}").format(name=other.name) if other.active else
                           _("e-posten er registrert på {name}, som er deaktivert: aktiver personen i stedet")
                           .format(name=other.name))
    return errors


def _clean(data: PersonInput) -> PersonInput:
    role = (data.role or "ansatt").strip().lower()
    return PersonInput(email=rules.clean_email(data.email), name=rules.clean_name(data.name), unit_id=data.unit_id,
                       role=rules.ROLE_ALIASES.get(role, role))


def _record(session: Session, actor: Actor, action: str, person: Person, before: dict | None) -> None:
    audit.record(session, org_id=actor.org_id, actor_id=actor.person_id, action=f"person.{action}", entity="person",
                 entity_id=person.id, detail={"before": before, "after": rules.snapshot(session, person)})


@writes
def create_person(*, session: Session, actor_id: int, data: PersonInput) -> Person:
    """A new person (or leader) in a unit the actor may place people in."""
    actor = org.load_actor(session, person_id=actor_id)
    data = _clean(data)
    errors = validate(session, org_id=actor.org_id, data=data)
    if errors:
        raise ValidationFailed(errors)
    if not in_scope(actor, data.unit_id):
        raise PermissionDenied(denied())
    if data.role != "ansatt" and not may_give(actor, data.role, data.unit_id):
        raise PermissionDenied(role_denied(data.role))
    assert data.unit_id is not None
    person, _changed = rules.place_person(session, org_id=actor.org_id, person=None, email=data.email,
                                          name=data.name, unit_id=data.unit_id, activate=True)
    rules.set_roles(session, person, (data.role,), data.unit_id)
    _record(session, actor, "created", person, None)
    return person


@writes
def update_person(*, session: Session, actor_id: int, person_id: int, data: PersonInput) -> bool:
    """Name, e-mail and unit (a move). Roles stay as they are: they are given and taken one by one."""
    actor = org.load_actor(session, person_id=actor_id)
    person = get_person(session, actor, person_id)
    if not may_manage(session, actor, person):
        raise PermissionDenied(denied())
    data = _clean(PersonInput(email=data.email, name=data.name, unit_id=data.unit_id))
    errors = validate(session, org_id=actor.org_id, data=data, person_id=pk(person))
    if errors:
        raise ValidationFailed(errors)
    if not in_scope(actor, data.unit_id):
        raise PermissionDenied(denied())
    assert data.unit_id is not None
    before = rules.snapshot(session, person)
    _person, changed = rules.place_person(session, org_id=actor.org_id, person=person, email=data.email,
                                          name=data.name, unit_id=data.unit_id, activate=False)
    if changed:
        _record(session, actor, "moved" if before["unit"] != rules.snapshot(session, person)["unit"] else "updated",
                person, before)
    return changed


@writes
def set_person_active(*, session: Session, actor_id: int, person_id: int, active: bool) -> bool:
    """Deactivate (history stays) or reactivate. Nobody deactivates themselves."""
    actor = org.load_actor(session, person_id=actor_id)
    person = get_person(session, actor, person_id)
    if not may_manage(session, actor, person):
        raise PermissionDenied(denied())
    if person.id == actor.person_id and not active:
        raise ValidationFailed({"active": _("Du kan ikke deaktivere deg selv.")})
    before = rules.snapshot(session, person)
    changed = rules.set_active(session, person, active)
    if changed:
        _record(session, actor, "reactivated" if active else "deactivated", person, before)
    return changed


def _check_role_change(session: Session, actor: Actor, person: Person, role: str, unit_id: int | None,
                       give: bool) -> None:
    """Field problems first (422), then the rights (403): nothing is changed by a refused request."""
    if role == "ansatt" or role not in ROLES:
        raise ValidationFailed({"role": _("Velg en rolle fra listen.")})
    if role in rules.UNIT_ROLES:
        problem = (_("Velg enheten rollen gjelder.") if _unit_problem(session, actor.org_id, unit_id)
                   else _role_problem(session, role, unit_id))
        if problem:
            raise ValidationFailed({"unit_id": problem})
    if person.id == actor.person_id:
        if not is_admin(actor):
            raise PermissionDenied(_("Du kan ikke endre dine egne roller. Spør en administrator."))
        if role == "admin" and not give:
            raise ValidationFailed({"role": _("Du kan ikke ta administratorrollen fra deg selv.")})
    elif not may_manage(session, actor, person):
        raise PermissionDenied(denied())
    if not may_give(actor, role, unit_id):
        raise PermissionDenied(role_denied(role))


@writes
def change_role(*, session: Session, actor_id: int, person_id: int, role: str, unit_id: int | None,
                give: bool) -> bool:
    """Give or take one role (a leder or kommunalsjef for one unit). False when there was nothing to change."""
    actor = org.load_actor(session, person_id=actor_id)
    person = get_person(session, actor, person_id)
    role = rules.ROLE_ALIASES.get(role.strip().lower(), role.strip().lower())
    unit_id = unit_id if role in rules.UNIT_ROLES else None
    _check_role_change(session, actor, person, role, unit_id, give)
    before = rules.snapshot(session, person)
    changed = (rules.give_role if give else rules.take_role)(session, person, role, unit_id)
    if changed:
        _record(session, actor, "role_given" if give else "role_taken", person, before)
    return changed

