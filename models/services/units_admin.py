"""Units one at a time, from the admin pages: add a unit, rename it, move it under another.

A unit's path is its names from the top («Oppvekst/Aurvoll skole»), the key the CSV import, the
Entra mapping file and the checklists read units by; renaming or moving a unit rewrites the path
(and `id_path`) of it and every unit below, in one transaction. Who may: an admin anywhere; a leder
or kommunalsjef below the units they lead (they may add units there and rename them, and move a
unit below theirs to another place below theirs, but not move the unit they lead itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import _
from models.services import audit, org
from models.services import people_rules as rules
from models.services._tx import writes
from models.services.people_admin import in_scope, is_admin
from models.sql import pk
from models.tables import Unit


@dataclass(frozen=True)
class UnitInput:
    name: str
    parent_id: int | None  # None: at the top (a sector)


def denied() -> str:
    return _("Du har ikke tilgang til å endre denne enheten. Det kan administratorer, og ledere for enheter "
             "under sine egne.")


def may_place(actor: Actor, unit: Unit | None, parent_id: int | None) -> bool:
    """Whether the actor may put `unit` (None: a new one) under `parent_id` (None: the top)."""
    if is_admin(actor):
        return True
    if parent_id is None or not in_scope(actor, parent_id):
        return False
    return unit is None or (in_scope(actor, unit.id) and (unit.parent_id == parent_id or unit.id not in
                                                          actor.led_unit_ids))


def get_unit(session: Session, actor: Actor, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.org_id != actor.org_id or not in_scope(actor, unit.id):
        raise NotFound(_("Fant ikke enheten."))
    return unit


def _path_of(parent: Unit | None, name: str) -> str:
    return f"{parent.path}/{name}" if parent is not None else name


def validate(session: Session, *, org_id: int, data: UnitInput, unit: Unit | None = None) -> dict[str, str]:
    """Every field's problem at once: the import's rules for names and paths, a parent that exists and is not
    the unit or below it, and a path no other unit has."""
    errors: dict[str, str] = {}
    problem = rules.unit_name_problem(data.name)
    if problem:
        errors["name"] = problem
    parent = session.get(Unit, data.parent_id) if data.parent_id else None
    if data.parent_id and (parent is None or parent.org_id != org_id or not parent.active):
        errors["parent_id"] = _("Velg en overordnet enhet i kommunen.")
    elif unit is not None and parent is not None and parent.id_path.startswith(unit.id_path):
        errors["parent_id"] = _("En enhet kan ikke ligge under seg selv eller en enhet under seg.")
    if errors:
        return errors
    path = _path_of(parent, data.name)
    deepest = max((u.path for u in _subtree(session, unit)), key=len, default="") if unit is not None else ""
    if rules.path_problem(path + deepest[len(unit.path):] if unit is not None else path):
        errors["name"] = _("enhetsnavnet er for langt")
    other = org.unit_by_path(session, org_id=org_id, path=path)
    if other is not None and other.id != (unit.id if unit else None):
        errors["name"] = _("Det finnes allerede en enhet «{path}».").format(path=path)
    return errors


def _subtree(session: Session, unit: Unit) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.org_id == unit.org_id,
                                                col(Unit.id_path).startswith(unit.id_path))).all())


def _facts(session: Session, unit: Unit) -> dict[str, Any]:
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    return {"name": unit.name, "path": unit.path, "parent": parent.path if parent else None, "kind": unit.kind}


def _record(session: Session, actor: Actor, action: str, unit: Unit, before: dict | None) -> None:
    audit.record(session, org_id=actor.org_id, actor_id=actor.person_id, action=f"unit.{action}", entity="unit",
                 entity_id=unit.id, detail={"before": before, "after": _facts(session, unit)})


@writes
def create_unit(*, session: Session, actor_id: int, data: UnitInput) -> Unit:
    """A new unit under `parent_id`, made as the import makes units; at the top it is a sector."""
    actor = org.load_actor(session, person_id=actor_id)
    data = UnitInput(name=rules.clean_name(data.name), parent_id=data.parent_id)
    errors = validate(session, org_id=actor.org_id, data=data)
    if errors:
        raise ValidationFailed(errors)
    if not may_place(actor, None, data.parent_id):
        raise PermissionDenied(denied())
    parent = session.get(Unit, data.parent_id) if data.parent_id else None
    unit = rules.unit_for_path(session, org_id=actor.org_id, path=_path_of(parent, data.name))
    if parent is None:
        unit.kind = "sector"
        session.add(unit)
    _record(session, actor, "created", unit, None)
    return unit


@writes
def update_unit(*, session: Session, actor_id: int, unit_id: int, data: UnitInput) -> bool:
    """Rename and/or move a unit; the paths of every unit below follow. False when nothing changed."""
    actor = org.load_actor(session, person_id=actor_id)
    unit = get_unit(session, actor, unit_id)
    data = UnitInput(name=rules.clean_name(data.name), parent_id=data.parent_id)
    errors = validate(session, org_id=actor.org_id, data=data, unit=unit)
    if errors:
        raise ValidationFailed(errors)
    if not may_place(actor, unit, data.parent_id):
        raise PermissionDenied(denied())
    if (unit.name, unit.parent_id) == (data.name, data.parent_id):
        return False
    before = _facts(session, unit)
    parent = session.get(Unit, data.parent_id) if data.parent_id else None
    old_path, old_ids = unit.path, unit.id_path
    new_path, new_ids = _path_of(parent, data.name), f"{parent.id_path if parent else '/'}{pk(unit)}/"
    for u in _subtree(session, unit):
        u.path, u.id_path = new_path + u.path[len(old_path):], new_ids + u.id_path[len(old_ids):]
        session.add(u)
    unit.name, unit.parent_id = data.name, data.parent_id
    if parent is None:
        unit.kind = "sector"
    elif unit.kind == "sector":
        unit.kind = "unit"
    session.add(unit)
    session.flush()
    _record(session, actor, "moved" if before["parent"] != (parent.path if parent else None) else "renamed", unit,
            before)
    return True
