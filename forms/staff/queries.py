"""Read models for the staff pages, built on the domain's own visibility rules.

Every list starts from what the domain already lets this person see (`list_my_avvik`,
`list_unit_avvik`, `list_checklist`, `list_my_oppdrag`, the Actor's managed units), so a
page can never show more than the chat would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.access import Actor, can_update_oppdrag
from models.periods import local_date
from models.risk import severity
from models.services import avvik as avvik_svc
from models.services import checklists, oppdrag
from models.tables import Avvik, AvvikEvent, Oppdrag, OppdragUnit, Person, Tiltak, Unit
from models.vocabulary import (
    AVVIK_CATEGORIES,
    AVVIK_STATUSES,
    OPPDRAG_STATUSES,
    TRAFFIC_LIGHTS,
)

EVENT_LABELS = {"reported": "Meldt", "taken": "Tatt av leder", "tiltak": "Tiltak lagt til", "closed": "Lukket",
                "reopened": "Gjenåpnet", "tiltak_done": "Tiltak utført", "comment": "Kommentar"}


def fmt_dt(dt: datetime | None, tz: str = "Europe/Oslo") -> str:
    if dt is None:
        return "–"
    if dt.tzinfo is None:
        from datetime import UTC

        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")


@dataclass
class AvvikRow:
    avvik: Avvik
    unit_name: str
    age_days: int
    severity: str
    status_label: str
    category_label: str
    history: list[tuple[str, str, str]] = field(default_factory=list)  # (when, what, by)
    tiltak: list[Tiltak] = field(default_factory=list)


def _names(s: Session, ids: set[int | None], model: type) -> dict[int, str]:  # type: ignore[type-arg]
    clean = {i for i in ids if i is not None}
    if not clean:
        return {}
    return {r.id: r.name for r in s.exec(select(model).where(model.id.in_(clean))).all()}  # type: ignore[attr-defined]


def avvik_rows(s: Session, items: list[Avvik], *, now: datetime, with_history: bool = False,
               actor_id: int | None = None, tz: str = "Europe/Oslo") -> list[AvvikRow]:
    units = _names(s, {a.unit_id for a in items}, Unit)
    today = local_date(now)
    rows = []
    for a in items:
        rows.append(AvvikRow(avvik=a, unit_name=units.get(a.unit_id, "–"),
                             age_days=(today - local_date(a.created_at)).days, severity=severity(a.risk),
                             status_label=AVVIK_STATUSES.get(a.status, a.status),
                             category_label=AVVIK_CATEGORIES.get(a.category, a.category)))
    if with_history and rows and actor_id is not None:
        ids = [r.avvik.id for r in rows]
        events = s.exec(select(AvvikEvent).where(AvvikEvent.avvik_id.in_(ids)).order_by(AvvikEvent.id)).all()  # type: ignore[attr-defined]
        tiltak = s.exec(select(Tiltak).where(Tiltak.avvik_id.in_(ids)).order_by(Tiltak.id)).all()  # type: ignore[attr-defined]
        people = _names(s, {e.actor_id for e in events}, Person)
        by_id = {r.avvik.id: r for r in rows}
        for e in events:
            by_id[e.avvik_id].history.append(event_line(e, people, tz))
        for t in tiltak:
            by_id[t.avvik_id].tiltak.append(t)
    return rows


def event_line(e: AvvikEvent, people: dict[int, str], tz: str = "Europe/Oslo") -> tuple[str, str, str]:
    what = EVENT_LABELS.get(e.kind, e.kind)
    if e.to_status and e.kind not in ("reported", "closed", "reopened"):
        what += f" ({AVVIK_STATUSES.get(e.to_status, e.to_status)})"
    if e.kind in ("reopened",) and e.comment:
        what += f": {e.comment}"
    return fmt_dt(e.at, tz), what, people.get(e.actor_id or -1, "–")


def history(s: Session, *, actor_id: int, avvik_id: int, tz: str = "Europe/Oslo") -> list[tuple[str, str, str]]:
    events = avvik_svc.history(session=s, actor_id=actor_id, avvik_id=avvik_id)
    people = _names(s, {e.actor_id for e in events}, Person)
    return [event_line(e, people, tz) for e in events]


SORTS = {"alder": lambda r: (-r.age_days, -r.avvik.risk), "risiko": lambda r: (-r.avvik.risk, -r.age_days)}


def sort_rows(rows: list[AvvikRow], key: str) -> list[AvvikRow]:
    return sorted(rows, key=SORTS.get(key, SORTS["alder"]))


@dataclass
class OverdueTiltak:
    tiltak: Tiltak
    avvik_number: int
    owner_name: str
    days_over: int


def overdue_tiltak(s: Session, actor: Actor, *, now: datetime) -> list[OverdueTiltak]:
    """Open tiltak past their deadline in the units this leader manages (whole organisation when org-wide)."""
    today = local_date(now)
    q = avvik_svc.overdue_tiltak_query(actor, today, include_owned=False)
    rows = s.exec(q.order_by(Tiltak.deadline, Tiltak.id).limit(200)).all()
    owners = _names(s, {t.owner_id for t, _ in rows}, Person)
    return [OverdueTiltak(tiltak=t, avvik_number=a.number, owner_name=owners.get(t.owner_id, "–"),
                          days_over=(today - t.deadline).days) for t, a in rows]


@dataclass
class Completion:
    unit_name: str
    template_name: str
    period: str
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


def checklist_completion(s: Session, *, actor_id: int, now: datetime) -> list[Completion]:
    out: dict[tuple[int, int], Completion] = {}
    for item in checklists.list_checklist(session=s, actor_id=actor_id, now=now):
        c = out.setdefault((item.unit_id, item.template_id),
                           Completion(item.unit_name, item.template_name, item.period, 0, 0))
        c.total += 1
        c.answered += item.answer is not None
    return list(out.values())


@dataclass
class OppdragRow:
    oppdrag: Oppdrag
    status_label: str
    light: str | None
    light_label: str
    needs_update: bool


def oppdrag_rows(items: list[Oppdrag], *, now: datetime) -> list[OppdragRow]:
    today = local_date(now)
    rows = []
    for o in items:
        light = oppdrag.traffic_light(o, today)
        rows.append(OppdragRow(oppdrag=o, status_label=OPPDRAG_STATUSES.get(o.status, o.status), light=light,
                               light_label=TRAFFIC_LIGHTS.get(light or "", "–"),
                               needs_update=oppdrag.needs_update(o, now)))
    return rows


def may_update_oppdrag(s: Session, actor: Actor, o: Oppdrag) -> bool:
    units = set(s.exec(select(OppdragUnit.unit_id).where(OppdragUnit.oppdrag_id == o.id)).all())
    return can_update_oppdrag(actor, org_id=o.org_id, owner_id=o.owner_id, delegated_unit_ids=units)


def person_name(s: Session, person_id: int | None) -> str:
    p = s.get(Person, person_id) if person_id else None
    return p.name if p else "–"


def today_iso(now: datetime, tz: str = "Europe/Oslo") -> tuple[str, str]:
    local = now.astimezone(ZoneInfo(tz))
    return local.date().isoformat(), local.strftime("%H:%M")


def days_left(d: date, now: datetime) -> int:
    return (d - local_date(now)).days
