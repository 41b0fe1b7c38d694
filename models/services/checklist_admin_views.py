"""What the checklist admin pages show: the templates a person manages, and one template as form values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import PermissionDenied
from models.i18n import _
from models.services import org
from models.services.checklist_admin import (
    SCOPES,
    denied,
    get_template,
    items_of,
    may_administer,
    may_manage,
    unit_ids_of,
)
from models.services.checklists import RECURRENCES, published
from models.sql import pk
from models.tables import ChecklistTemplate


@dataclass(frozen=True)
class TemplateView:
    id: int
    name: str
    version: int
    recurrence_label: str
    scope_label: str
    units: str
    publish_on: date | None
    published: bool
    active: bool
    item_count: int


def _view(session: Session, tpl: ChecklistTemplate, today: date, names: dict[int, str]) -> TemplateView:
    units = unit_ids_of(session, pk(tpl))
    return TemplateView(id=pk(tpl), name=tpl.name, version=tpl.version,
                        recurrence_label=_(RECURRENCES.get(tpl.recurrence, tpl.recurrence)),
                        scope_label=_(SCOPES.get(tpl.scope, tpl.scope)),
                        units=", ".join(names.get(u, "?") for u in units), publish_on=tpl.publish_on,
                        published=published(tpl, today), active=tpl.active, item_count=len(items_of(session, pk(tpl))))


def _manages(session: Session, actor: Actor, tpl: ChecklistTemplate) -> bool:
    return may_manage(session, actor, org_id=tpl.org_id, scope=tpl.scope, unit_ids=unit_ids_of(session, pk(tpl)))


def list_templates(*, session: Session, actor_id: int, today: date) -> list[TemplateView]:
    """The templates this person may change, active first, newest first."""
    actor = org.load_actor(session, person_id=actor_id)
    if not may_administer(actor):
        raise PermissionDenied(denied())
    rows = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.org_id == actor.org_id)
                        .order_by(col(ChecklistTemplate.active).desc(), col(ChecklistTemplate.id).desc())).all()
    mine = [t for t in rows if _manages(session, actor, t)]
    names = {pk(u): u.path for u in org.list_units(session, org_id=actor.org_id)}
    return [_view(session, t, today, names) for t in mine]


def items_text(session: Session, template_id: int) -> str:
    """The items as the form's textarea shows them: «føremål | type | sjekkpunkt», one a line."""
    return "\n".join(f"{i.purpose} | {i.type} | {i.text}" for i in items_of(session, template_id))


def template_for_edit(*, session: Session, actor_id: int, template_id: int,
                      today: date) -> tuple[TemplateView, dict[str, str], set[str]]:
    """The template, its values as the form shows them, and its units' ids; refused unless the person manages it."""
    actor = org.load_actor(session, person_id=actor_id)
    tpl = get_template(session, org_id=actor.org_id, template_id=template_id)
    if not _manages(session, actor, tpl):
        raise PermissionDenied(denied())
    names = {pk(u): u.path for u in org.list_units(session, org_id=actor.org_id)}
    values = {"name": tpl.name, "recurrence": tpl.recurrence, "due_day": str(tpl.due_day or ""),
              "publish_on": tpl.publish_on.isoformat() if tpl.publish_on else "", "scope": tpl.scope,
              "items": items_text(session, pk(tpl))}
    return _view(session, tpl, today, names), values, {str(u) for u in unit_ids_of(session, pk(tpl))}
