"""The årshjul: the kommune's yearly calendar of governance activities, its occurrences and who answers for them.

Admins (and the kommunedirektør) set it up; everyone in the kommune may read it. An
activity belongs to a role (leder, kommunalsjef, kommunedirektør, admin), optionally
limited to a part of the unit tree, and is reminded `lead_days` before each occurrence.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.governance_terms import ARSHJUL_KINDS, ARSHJUL_ROLES
from models.i18n import _
from models.services import audit, org
from models.services._tx import writes
from models.tables import ArshjulActivity, Person, PersonRole, Unit

MAX_TITLE = 200
MAX_TEXT = 2000


@dataclass(frozen=True)
class ActivityInput:
    title: str
    on_date: date
    responsible_role: str
    lead_days: int = 14
    yearly: bool = True
    kind: str = "annet"
    description: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class ArshjulEntry:
    activity_id: int
    on: date
    title: str
    description: str
    kind: str
    kind_label: str
    role_label: str
    unit_name: str | None
    lead_days: int
    yearly: bool
    mine: bool


def occurrence_in_year(activity: ArshjulActivity, year: int) -> date | None:
    """The activity's date in `year`; 29 February falls on the 28th in other years."""
    if not activity.yearly:
        return activity.on_date if activity.on_date.year == year else None
    day = min(activity.on_date.day, calendar.monthrange(year, activity.on_date.month)[1])
    return date(year, activity.on_date.month, day)


def next_occurrence(activity: ArshjulActivity, today: date) -> date | None:
    """The first occurrence on or after today (None for a past one-off activity)."""
    for year in (today.year, today.year + 1):
        on = occurrence_in_year(activity, year)
        if on is not None and on >= today:
            return on
    return None


def _require_admin(actor: Actor) -> None:
    if not actor.org_wide:
        raise PermissionDenied(_("Bare administratorer og kommunedirektøren kan endre årshjulet."))


def _validate(session: Session, actor: Actor, data: ActivityInput) -> ActivityInput:
    errors: dict[str, str] = {}
    title = (data.title or "").replace("\x00", "").strip()
    if not 3 <= len(title) <= MAX_TITLE:
        errors["title"] = _("Skriv en tittel (3–{max_title} tegn).").format(max_title=MAX_TITLE)
    if len(data.description or "") > MAX_TEXT:
        errors["description"] = _("Beskrivelsen kan være høyst {max_text} tegn.").format(max_text=MAX_TEXT)
    if data.responsible_role not in ARSHJUL_ROLES:
        errors["responsible_role"] = _("Velg en ansvarlig rolle fra listen.")
    if data.kind not in ARSHJUL_KINDS:
        errors["kind"] = _("Velg en type aktivitet fra listen.")
    if isinstance(data.lead_days, bool) or not isinstance(data.lead_days, int) or not 0 <= data.lead_days <= 365:
        errors["lead_days"] = _("Varslingstiden må være mellom 0 og 365 dager.")
    if data.unit_id is not None:
        unit = session.get(Unit, data.unit_id)
        if unit is None or unit.org_id != actor.org_id or not unit.active:
            errors["unit_id"] = _("Velg en enhet i din kommune.")
    if errors:
        raise ValidationFailed(errors)
    return replace(data, title=title, description=(data.description or "").strip())


@writes
def add_activity(*, session: Session, actor_id: int, data: ActivityInput) -> ArshjulActivity:
    actor = org.load_actor(session, person_id=actor_id)
    _require_admin(actor)
    clean = _validate(session, actor, data)
    act = ArshjulActivity(org_id=actor.org_id, title=clean.title, description=clean.description, kind=clean.kind,
                          on_date=clean.on_date, yearly=clean.yearly, responsible_role=clean.responsible_role,
                          unit_id=clean.unit_id, lead_days=clean.lead_days, created_by_id=actor_id)
    session.add(act)
    session.flush()
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="arshjul.added", entity="arshjul",
                 entity_id=act.id)
    return act


@writes
def update_activity(*, session: Session, actor_id: int, activity_id: int, data: ActivityInput) -> ArshjulActivity:
    actor = org.load_actor(session, person_id=actor_id)
    _require_admin(actor)
    act = session.get(ArshjulActivity, activity_id)
    if act is None or act.org_id != actor.org_id:
        raise NotFound(_("Fant ikke aktiviteten."))
    clean = _validate(session, actor, data)
    act.title, act.description, act.kind, act.on_date = clean.title, clean.description, clean.kind, clean.on_date
    act.yearly, act.responsible_role, act.unit_id = clean.yearly, clean.responsible_role, clean.unit_id
    act.lead_days = clean.lead_days
    session.add(act)
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="arshjul.updated", entity="arshjul",
                 entity_id=act.id)
    return act


@writes
def remove_activity(*, session: Session, actor_id: int, activity_id: int) -> None:
    """Deactivate: past reminders and the audit keep pointing at it."""
    actor = org.load_actor(session, person_id=actor_id)
    _require_admin(actor)
    act = session.get(ArshjulActivity, activity_id)
    if act is None or act.org_id != actor.org_id:
        raise NotFound(_("Fant ikke aktiviteten."))
    act.active = False
    session.add(act)
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="arshjul.removed", entity="arshjul",
                 entity_id=act.id)


def responsible_people(session: Session, activity: ArshjulActivity) -> list[int]:
    """Active holders of the activity's role (within its part of the unit tree, when it has one)."""
    q = (select(Person.id).join(PersonRole, col(PersonRole.person_id) == col(Person.id))
         .where(col(PersonRole.org_id) == activity.org_id, col(PersonRole.role) == activity.responsible_role,
                col(Person.active).is_(True)))
    if activity.unit_id is not None:
        if activity.responsible_role in ("leder", "kommunalsjef"):
            q = q.where(col(PersonRole.unit_id).in_(org.subtree_ids(session, {activity.unit_id}) or {-1}))
        else:
            q = q.where(col(Person.unit_id).in_(org.subtree_ids(session, {activity.unit_id}) or {-1}))
    return sorted({pid for pid in session.exec(q).all() if pid is not None})


def is_responsible(session: Session, actor: Actor, activity: ArshjulActivity) -> bool:
    """The same rule as `responsible_people`, asked for one person."""
    if activity.responsible_role not in actor.roles:
        return False
    if activity.unit_id is None:
        return True
    subtree = org.subtree_ids(session, {activity.unit_id})
    if activity.responsible_role in ("leder", "kommunalsjef"):
        held = session.exec(select(PersonRole.unit_id).where(
            col(PersonRole.person_id) == actor.person_id, col(PersonRole.role) == activity.responsible_role)).all()
        return any(u in subtree for u in held)
    return actor.unit_id in subtree


def active_activities(session: Session, *, org_id: int) -> list[ArshjulActivity]:
    return list(session.exec(select(ArshjulActivity).where(
        col(ArshjulActivity.org_id) == org_id, col(ArshjulActivity.active).is_(True))
        .order_by(col(ArshjulActivity.on_date), col(ArshjulActivity.id))).all())


def year_view(*, session: Session, actor_id: int, year: int) -> list[ArshjulEntry]:
    """Every occurrence in `year`, by date; `mine` marks what the reader answers for."""
    actor = org.load_actor(session, person_id=actor_id)
    acts = active_activities(session, org_id=actor.org_id)
    unit_ids = {a.unit_id for a in acts if a.unit_id is not None}
    names = dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(unit_ids))).all()) if unit_ids else {}
    out = []
    for a in acts:
        on = occurrence_in_year(a, year)
        if on is None:
            continue
        out.append(ArshjulEntry(
            activity_id=a.id, on=on, title=a.title, description=a.description, kind=a.kind,  # type: ignore[arg-type]
            kind_label=ARSHJUL_KINDS.get(a.kind, a.kind), role_label=ARSHJUL_ROLES.get(a.responsible_role, a.responsible_role),
            unit_name=names.get(a.unit_id) if a.unit_id else None, lead_days=a.lead_days, yearly=a.yearly,
            mine=is_responsible(session, actor, a)))
    return sorted(out, key=lambda e: (e.on, e.title))
