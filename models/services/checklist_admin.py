"""Internkontroll checklist templates: make one, edit it (a new version once published), retire it.

The admin pages, `trad sjekkliste import` and the demo all come through here, so every template
gets the same checks, the same audit entry (before and after) and the same one message to the
leaders it is for. Once a template is published its items are never edited: a changed wording is
a new item of the next version and the old item is retired, so an answered run keeps the words
its leader answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.services import audit, org
from models.services._tx import writes
from models.services.checklist_notice import announce
from models.services.checklists import RECURRENCES, published
from models.sql import pk
from models.tables import ChecklistItem, ChecklistTemplate, ChecklistTemplateUnit, Unit
from models.tables._common import utcnow

SCOPES: dict[str, str] = {"all": N_("Alle enheter"), "sector": N_("Én sektor"), "units": N_("Valgte enheter")}
MAX_ITEMS = 300
Item = tuple[str, str, str]  # føremål, type, sjekkpunkt


@dataclass(frozen=True)
class TemplateInput:
    name: str
    recurrence: str
    publish_on: date | None  # None: published at once (templates from before publish dates)
    items: tuple[Item, ...]
    due_day: int | None = None
    scope: str = "all"
    unit_ids: tuple[int, ...] = field(default_factory=tuple)


def denied() -> str:
    return _("Du har ikke tilgang til å endre denne sjekklisten. Det kan administratorer, og ledere for egne enheter.")


def publish_date_missing() -> str:
    return _("Skriv datoen sjekklisten skal publiseres.")


def may_administer(actor: Actor) -> bool:
    """Whether the person gets the checklist admin pages at all: org-wide roles and line leaders."""
    return actor.org_wide or bool(actor.led_unit_ids)


def may_manage(session: Session, actor: Actor, *, org_id: int, scope: str, unit_ids: tuple[int, ...]) -> bool:
    """Org-wide roles manage every template; a kommunalsjef their sector's; a leader those for units they lead."""
    if actor.org_id != org_id:
        return False
    if actor.org_wide:
        return True
    if scope == "sector":
        return len(unit_ids) == 1 and unit_ids[0] in actor.led_unit_ids and "kommunalsjef" in actor.roles
    return scope == "units" and bool(unit_ids) and all(u in actor.managed_unit_ids for u in unit_ids)


def _check_units(session: Session, org_id: int, data: TemplateInput, errors: dict[str, str]) -> None:
    units = [session.get(Unit, u) if u > 0 else None for u in data.unit_ids]
    if any(u is None or u.org_id != org_id or not u.active for u in units):
        errors["unit_ids"] = _("Velg enheter som finnes i kommunen.")
    elif data.scope == "sector" and (len(units) != 1 or units[0] is None or units[0].kind != "sector"):
        errors["unit_ids"] = _("Velg én sektor.")
    elif data.scope == "units" and not units:
        errors["unit_ids"] = _("Velg minst én enhet.")


def validate(session: Session, *, org_id: int, data: TemplateInput) -> dict[str, str]:
    """Every field's problem at once, worded for the person who typed it."""
    errors: dict[str, str] = {}
    if not data.name.strip() or len(data.name) > 200:
        errors["name"] = _("Skriv et navn på høyst 200 tegn.")
    if data.recurrence not in RECURRENCES:
        errors["recurrence"] = _("Velg hvor ofte sjekklisten skal besvares.")
    if data.due_day is not None and not 1 <= data.due_day <= 31:
        errors["due_day"] = _("Fristdagen må være et tall fra 1 til 31.")
    if data.publish_on is not None and not 2000 <= data.publish_on.year <= 2100:
        errors["publish_on"] = publish_date_missing()
    if data.scope not in SCOPES:
        errors["scope"] = _("Velg hvilke enheter sjekklisten gjelder.")
    elif data.scope != "all" or data.unit_ids:
        _check_units(session, org_id, data, errors)
    if not data.items:
        errors["items"] = _("Skriv minst ett sjekkpunkt.")
    elif len(data.items) > MAX_ITEMS:
        errors["items"] = _("En sjekkliste kan ha høyst {n} sjekkpunkter.").format(n=MAX_ITEMS)
    for n, (purpose, typ, text) in enumerate(data.items, start=1):
        if not purpose.strip() or not typ.strip() or len(purpose) > 120 or len(typ) > 120:
            errors.setdefault("items", _("Sjekkpunkt {n}: skriv føremål og type (høyst 120 tegn hver).").format(n=n))
        elif not text.strip() or len(text) > 500:
            errors.setdefault("items", _("Sjekkpunkt {n}: skriv sjekkpunktet (høyst 500 tegn).").format(n=n))
    return errors


def items_of(session: Session, template_id: int) -> list[ChecklistItem]:
    return list(session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template_id,
                                                         col(ChecklistItem.active).is_(True))
                             .order_by(col(ChecklistItem.position), col(ChecklistItem.id))).all())


def unit_ids_of(session: Session, template_id: int) -> tuple[int, ...]:
    return tuple(sorted(session.exec(select(ChecklistTemplateUnit.unit_id)
                                     .where(ChecklistTemplateUnit.template_id == template_id)).all()))


def snapshot(session: Session, tpl: ChecklistTemplate) -> dict[str, Any]:
    """What the audit log keeps of a template, before and after a change."""
    return {"name": tpl.name, "recurrence": tpl.recurrence, "due_day": tpl.due_day, "version": tpl.version,
            "publish_on": tpl.publish_on.isoformat() if tpl.publish_on else None, "scope": tpl.scope,
            "unit_ids": list(unit_ids_of(session, pk(tpl))), "active": tpl.active,
            "items": [[i.purpose, i.type, i.text] for i in items_of(session, pk(tpl))]}


def _clean(data: TemplateInput) -> TemplateInput:
    items = tuple((" ".join(p.split()), " ".join(t.split()), " ".join(x.split())) for p, t, x in data.items)
    units = () if data.scope == "all" else tuple(sorted(set(data.unit_ids)))
    return TemplateInput(name=" ".join(data.name.split()), recurrence=data.recurrence, publish_on=data.publish_on,
                         items=items, due_day=data.due_day, scope=data.scope, unit_ids=units)


def _set_units(session: Session, tpl: ChecklistTemplate, unit_ids: tuple[int, ...]) -> None:
    for row in session.exec(select(ChecklistTemplateUnit).where(ChecklistTemplateUnit.template_id == tpl.id)).all():
        if row.unit_id not in unit_ids:
            session.delete(row)
    have = set(unit_ids_of(session, pk(tpl)))
    for uid in unit_ids:
        if uid not in have:
            session.add(ChecklistTemplateUnit(template_id=pk(tpl), unit_id=uid))
    session.flush()


def _set_items(session: Session, tpl: ChecklistTemplate, items: tuple[Item, ...]) -> None:
    """Keep each item whose wording is unchanged, retire the rest and add the new wordings as this version's."""
    old: dict[Item, list[ChecklistItem]] = {}
    for it in items_of(session, pk(tpl)):
        old.setdefault((it.purpose, it.type, it.text), []).append(it)
    for position, key in enumerate(items):
        same = old.get(key)
        row = same.pop(0) if same else ChecklistItem(org_id=tpl.org_id, template_id=pk(tpl), purpose=key[0],
                                                     type=key[1], text=key[2], version=tpl.version,
                                                     introduced_at=utcnow() if tpl.version > 1 else None)
        row.position = position
        session.add(row)
    for rest in old.values():
        for it in rest:
            it.active, it.retired_at = False, utcnow()
            session.add(it)
    session.flush()


def _refuse(session: Session, actor: Actor | None, org_id: int, data: TemplateInput) -> None:
    if actor is not None and not may_manage(session, actor, org_id=org_id, scope=data.scope, unit_ids=data.unit_ids):
        raise PermissionDenied(denied())


@writes
def create_template(*, session: Session, actor_id: int | None, org_id: int, data: TemplateInput,
                    today: date | None = None) -> ChecklistTemplate:
    """A new template; the leaders it is for are told on its publish date. `actor_id` None is the system."""
    data = _clean(data)
    _refuse(session, None if actor_id is None else org.load_actor(session, person_id=actor_id), org_id, data)
    errors = validate(session, org_id=org_id, data=data)
    if errors:
        raise ValidationFailed(errors)
    tpl = ChecklistTemplate(org_id=org_id, name=data.name, recurrence=data.recurrence, due_day=data.due_day,
                            publish_on=data.publish_on, scope=data.scope, created_by_id=actor_id)
    session.add(tpl)
    session.flush()
    _set_units(session, tpl, data.unit_ids)
    _set_items(session, tpl, data.items)
    audit.record(session, org_id=org_id, actor_id=actor_id, action="checklist_template.created",
                 entity="checklist_template", entity_id=tpl.id, detail={"before": None, "after": snapshot(session, tpl)})
    announce(session, tpl, today=today or date.today())
    return tpl


def get_template(session: Session, *, org_id: int, template_id: int) -> ChecklistTemplate:
    tpl = session.get(ChecklistTemplate, template_id)
    if tpl is None or tpl.org_id != org_id:
        raise NotFound(_("Fant ikke sjekklisten."))
    return tpl


def apply_edit(session: Session, *, tpl: ChecklistTemplate, actor_id: int | None, data: TemplateInput,
               today: date) -> bool:
    """Change a template; a published one gets a new version. False (and no audit entry) when nothing differs."""
    data = _clean(data)
    errors = validate(session, org_id=tpl.org_id, data=data)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(session, tpl)
    wanted = {**before, "name": data.name, "recurrence": data.recurrence, "due_day": data.due_day,
              "publish_on": data.publish_on.isoformat() if data.publish_on else None, "scope": data.scope,
              "unit_ids": list(data.unit_ids), "items": [list(i) for i in data.items]}
    if wanted == before:
        return False
    new_version = published(tpl, today)
    if new_version:
        tpl.version += 1
    tpl.name, tpl.recurrence, tpl.due_day = data.name, data.recurrence, data.due_day
    tpl.publish_on, tpl.scope = data.publish_on, data.scope
    session.add(tpl)
    _set_units(session, tpl, data.unit_ids)
    _set_items(session, tpl, data.items)
    audit.record(session, org_id=tpl.org_id, actor_id=actor_id,
                 action="checklist_template.new_version" if new_version else "checklist_template.edited",
                 entity="checklist_template", entity_id=tpl.id, detail={"before": before, "after": snapshot(session, tpl)})
    announce(session, tpl, today=today, replace=not new_version)
    return True


@writes
def edit_template(*, session: Session, actor_id: int, template_id: int, data: TemplateInput,
                  today: date | None = None) -> ChecklistTemplate:
    actor = org.load_actor(session, person_id=actor_id)
    tpl = get_template(session, org_id=actor.org_id, template_id=template_id)
    if not may_manage(session, actor, org_id=tpl.org_id, scope=tpl.scope, unit_ids=unit_ids_of(session, pk(tpl))):
        raise PermissionDenied(denied())
    _refuse(session, actor, tpl.org_id, _clean(data))
    apply_edit(session, tpl=tpl, actor_id=actor_id, data=data, today=today or date.today())
    return tpl


@writes
def retire_template(*, session: Session, actor_id: int, template_id: int) -> ChecklistTemplate:
    """No more runs of it; answered runs and their words stay for the reports."""
    actor = org.load_actor(session, person_id=actor_id)
    tpl = get_template(session, org_id=actor.org_id, template_id=template_id)
    if not may_manage(session, actor, org_id=tpl.org_id, scope=tpl.scope, unit_ids=unit_ids_of(session, pk(tpl))):
        raise PermissionDenied(denied())
    if tpl.active:
        before = snapshot(session, tpl)
        tpl.active = False
        session.add(tpl)
        audit.record(session, org_id=tpl.org_id, actor_id=actor_id, action="checklist_template.retired",
                     entity="checklist_template", entity_id=tpl.id,
                     detail={"before": before, "after": {**before, "active": False}, "at": utcnow().isoformat()})
    return tpl
