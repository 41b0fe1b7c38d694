"""Read models for the staff web pages, built on the domain's own visibility rules.

Why here and not in `forms/`: the web edge never queries. Every list starts from what the
domain already lets this person see (`list_my_avvik`, `list_unit_avvik`, `list_checklist`,
`list_my_oppdrag`, the Actor's managed units), so a page can never show more than the chat
would; and every result is a frozen dataclass, so templates get no table rows to lazy-load from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from models.access import Actor, can_update_oppdrag
from models.errors import NotFound
from models.i18n import N_, _, fmt_datetime
from models.periods import local_date
from models.risk import severity
from models.services import avvik as avvik_svc
from models.services import checklists, oppdrag
from models.tables import Avvik, AvvikEvent, Oppdrag, OppdragUnit, OppdragUpdate, Person, Tiltak, Unit
from models.vocabulary import AVVIK_CATEGORIES, AVVIK_STATUSES, OPPDRAG_STATUSES, TRAFFIC_LIGHTS, Labels

EVENT_LABELS = Labels({"reported": N_("Meldt"), "taken": N_("Tatt av leder"), "tiltak": N_("Tiltak lagt til"),
                       "closed": N_("Lukket"), "reopened": N_("Gjenåpnet"), "tiltak_done": N_("Tiltak utført"),
                       "comment": N_("Kommentar"), "closed_open_tiltak": N_("Lukket med åpne tiltak")})


def fmt_dt(dt: datetime | None, tz: str = "Europe/Oslo") -> str:
    """A moment as people read it on the pages (local time, day first); naive values are UTC."""
    if dt is None:
        return "–"
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return fmt_datetime(dt.astimezone(ZoneInfo(tz)).replace(tzinfo=None))  # one way everywhere, in the reader's language


def today_iso(now: datetime, tz: str = "Europe/Oslo") -> tuple[str, str]:
    """Local date and time as the two inputs of a datetime field want them."""
    local = now.astimezone(ZoneInfo(tz))
    return local.date().isoformat(), local.strftime("%H:%M")


# ------------------------------------------------------------------------------------ result types
@dataclass(frozen=True)
class AvvikFacts:
    id: int
    number: int
    title: str
    category: str
    status: str
    unit_id: int
    reporter_id: int | None
    assignee_id: int | None
    description: str
    occurred_at: datetime
    location: str
    probability: int
    consequence: int
    risk: int
    immediate_action: str
    conclusion: str | None
    effect_evaluation: str | None
    created_at: datetime


def avvik_facts(a: Avvik) -> AvvikFacts:
    """The plain facts of a loaded avvik (e.g. one a use case just returned)."""
    assert a.id is not None
    return AvvikFacts(id=a.id, number=a.number, title=a.title, category=a.category, status=a.status,
                      unit_id=a.unit_id, reporter_id=a.reporter_id, assignee_id=a.assignee_id,
                      description=a.description, occurred_at=a.occurred_at, location=a.location,
                      probability=a.probability, consequence=a.consequence, risk=a.risk,
                      immediate_action=a.immediate_action, conclusion=a.conclusion,
                      effect_evaluation=a.effect_evaluation, created_at=a.created_at)


@dataclass(frozen=True)
class TiltakLine:
    id: int
    avvik_id: int
    description: str
    owner_id: int
    deadline: date
    done_at: datetime | None


def _tiltak_line(t: Tiltak) -> TiltakLine:
    assert t.id is not None
    return TiltakLine(id=t.id, avvik_id=t.avvik_id, description=t.description, owner_id=t.owner_id,
                      deadline=t.deadline, done_at=t.done_at)


class HistoryLine(NamedTuple):
    when: str
    what: str
    who: str


@dataclass(frozen=True)
class AvvikRow:
    avvik: AvvikFacts
    unit_name: str
    age_days: int
    severity: str
    status_label: str
    category_label: str
    history: list[HistoryLine] = field(default_factory=list)
    tiltak: list[TiltakLine] = field(default_factory=list)


@dataclass(frozen=True)
class OppdragFacts:
    id: int
    org_id: int
    number: int
    title: str
    description: str
    category: str
    owner_id: int
    deadline: date | None
    status: str
    progress: int


@dataclass(frozen=True)
class OppdragRow:
    oppdrag: OppdragFacts
    status_label: str
    light: str | None
    light_label: str
    needs_update: bool


@dataclass(frozen=True)
class UpdateLine:
    status: str
    progress: int
    comment: str | None


class OppdragHistoryLine(NamedTuple):
    when: str
    u: UpdateLine
    who: str


@dataclass(frozen=True)
class OverdueTiltak:
    tiltak: TiltakLine
    avvik_number: int
    owner_name: str
    days_over: int


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


# ------------------------------------------------------------------------------------ building blocks
def _names(s: Session, ids: Iterable[int | None], *, units: bool = False) -> dict[int, str]:
    clean = {i for i in ids if i is not None}
    if not clean:
        return {}
    if units:
        return {u.id: u.name for u in s.exec(select(Unit).where(col(Unit.id).in_(clean))).all() if u.id is not None}
    return {p.id: p.name for p in s.exec(select(Person).where(col(Person.id).in_(clean))).all() if p.id is not None}


def person_name(s: Session, person_id: int | None) -> str:
    p = s.get(Person, person_id) if person_id else None
    return p.name if p else "–"


def unit_name(s: Session, unit_id: int | None) -> str:
    u = s.get(Unit, unit_id) if unit_id else None
    return u.name if u else "–"


def _event_line(e: AvvikEvent, people: dict[int, str], tz: str) -> HistoryLine:
    what = EVENT_LABELS.get(e.kind, e.kind)
    if e.to_status and e.kind not in ("reported", "closed", "reopened"):
        what += f" ({AVVIK_STATUSES.get(e.to_status, e.to_status)})"
    if e.kind in ("reopened", "closed_open_tiltak") and e.comment:
        what += f": {e.comment}"
    return HistoryLine(fmt_dt(e.at, tz), what, people.get(e.actor_id or -1, "–"))


def _avvik_rows(s: Session, items: list[Avvik], *, now: datetime, with_history: bool = False,
                tz: str = "Europe/Oslo") -> list[AvvikRow]:
    units = _names(s, {a.unit_id for a in items}, units=True)
    history: dict[int, list[HistoryLine]] = {}
    tiltak: dict[int, list[TiltakLine]] = {}
    ids = [a.id for a in items if a.id is not None]
    if with_history and ids:
        events = s.exec(select(AvvikEvent).where(col(AvvikEvent.avvik_id).in_(ids)).order_by(col(AvvikEvent.id))).all()
        people = _names(s, {e.actor_id for e in events})
        for e in events:
            history.setdefault(e.avvik_id, []).append(_event_line(e, people, tz))
        for t in s.exec(select(Tiltak).where(col(Tiltak.avvik_id).in_(ids)).order_by(col(Tiltak.id))).all():
            tiltak.setdefault(t.avvik_id, []).append(_tiltak_line(t))
    today = local_date(now)
    return [AvvikRow(avvik=avvik_facts(a), unit_name=units.get(a.unit_id, "–"),
                     age_days=(today - local_date(a.created_at)).days, severity=severity(a.risk),
                     status_label=AVVIK_STATUSES.get(a.status, a.status),
                     category_label=AVVIK_CATEGORIES.get(a.category, a.category),
                     history=history.get(a.id or -1, []), tiltak=tiltak.get(a.id or -1, []))
            for a in items]


def _oppdrag_facts(o: Oppdrag) -> OppdragFacts:
    assert o.id is not None
    return OppdragFacts(id=o.id, org_id=o.org_id, number=o.number, title=o.title, description=o.description,
                        category=o.category, owner_id=o.owner_id, deadline=o.deadline, status=o.status,
                        progress=o.progress)


def _oppdrag_rows(items: list[Oppdrag], *, now: datetime) -> list[OppdragRow]:
    today = local_date(now)
    rows = []
    for o in items:
        light = oppdrag.traffic_light(o, today)
        rows.append(OppdragRow(oppdrag=_oppdrag_facts(o), status_label=OPPDRAG_STATUSES.get(o.status, o.status),
                               light=light, light_label=TRAFFIC_LIGHTS.get(light or "", "–"),
                               needs_update=oppdrag.needs_update(o, now)))
    return rows


# ------------------------------------------------------------------------------------ Mine saker
@dataclass(frozen=True)
class HomeView:
    rows: list[AvvikRow]
    oppdrag: list[OppdragRow]
    due: int


def home_view(s: Session, *, person_id: int, is_leader: bool, now: datetime, tz: str) -> HomeView:
    """My open avvik (with history and tiltak), my oppdrag, and how many checklist items wait for me."""
    mine = avvik_svc.list_my_avvik(session=s, person_id=person_id)
    rows = _avvik_rows(s, mine, now=now, with_history=True, tz=tz)
    opp = _oppdrag_rows(oppdrag.list_my_oppdrag(session=s, person_id=person_id), now=now)
    due = len(checklists.list_due_checklists(session=s, actor_id=person_id, now=now)) if is_leader else 0
    return HomeView(rows=rows, oppdrag=opp, due=due)


# ------------------------------------------------------------------------------------ one avvik
def find_avvik(s: Session, *, actor_id: int, number: str) -> int:
    """The id of the avvik with this number (as typed in a URL) that the person may see."""
    if not number.isdecimal() or len(number) > 9:
        raise NotFound(_("Fant ikke avviket."))
    return avvik_svc.find_avvik_id(session=s, actor_id=actor_id, number=int(number))


def avvik_ref(s: Session, *, actor_id: int, number: str) -> AvvikFacts:
    """The avvik with this number, if the person may see it (NotFound/PermissionDenied otherwise)."""
    avvik_id = find_avvik(s, actor_id=actor_id, number=number)
    return avvik_facts(avvik_svc.get_avvik(session=s, actor_id=actor_id, avvik_id=avvik_id))


@dataclass(frozen=True)
class AvvikDetail:
    row: AvvikRow
    owners: dict[int, str]
    reporter: str
    assignee: str | None


def avvik_detail(s: Session, *, actor_id: int, number: str, now: datetime, tz: str) -> AvvikDetail:
    avvik_id = find_avvik(s, actor_id=actor_id, number=number)
    a = avvik_svc.get_avvik(session=s, actor_id=actor_id, avvik_id=avvik_id)
    base = _avvik_rows(s, [a], now=now, tz=tz)[0]
    events = avvik_svc.history(session=s, actor_id=actor_id, avvik_id=avvik_id)
    people = _names(s, {e.actor_id for e in events})
    tiltak = [_tiltak_line(t) for t in avvik_svc.list_tiltak(session=s, actor_id=actor_id, avvik_id=avvik_id)]
    row = AvvikRow(avvik=base.avvik, unit_name=base.unit_name, age_days=base.age_days, severity=base.severity,
                   status_label=base.status_label, category_label=base.category_label,
                   history=[_event_line(e, people, tz) for e in events], tiltak=tiltak)
    return AvvikDetail(row=row, owners={t.owner_id: person_name(s, t.owner_id) for t in tiltak},
                       reporter=person_name(s, a.reporter_id),
                       assignee=person_name(s, a.assignee_id) if a.assignee_id else None)


# ------------------------------------------------------------------------------------ leader view
SORTS: dict[str, Callable[[AvvikRow], tuple[int, int]]] = {
    "alder": lambda r: (-r.age_days, -r.avvik.risk),
    "risiko": lambda r: (-r.avvik.risk, -r.age_days),
}


@dataclass(frozen=True)
class LeaderView:
    rows: list[AvvikRow]
    overdue: list[OverdueTiltak]
    completion: list[Completion]
    oppdrag: list[OppdragRow]


def _overdue_tiltak(s: Session, actor: Actor, *, now: datetime) -> list[OverdueTiltak]:
    """Open tiltak past their deadline in the units this leader manages (whole organisation when org-wide)."""
    today = local_date(now)
    q = avvik_svc.overdue_tiltak_query(actor, today, include_owned=False)
    rows = s.exec(q.order_by(col(Tiltak.deadline), col(Tiltak.id)).limit(200)).all()
    owners = _names(s, {t.owner_id for t, _ in rows})
    return [OverdueTiltak(tiltak=_tiltak_line(t), avvik_number=a.number, owner_name=owners.get(t.owner_id, "–"),
                          days_over=(today - t.deadline).days) for t, a in rows]


def _checklist_completion(s: Session, *, actor_id: int, now: datetime) -> list[Completion]:
    out: dict[tuple[int, int], Completion] = {}
    for item in checklists.list_checklist(session=s, actor_id=actor_id, now=now):
        c = out.setdefault((item.unit_id, item.template_id),
                           Completion(item.unit_name, item.template_name, item.period, 0, 0))
        c.total += 1
        c.answered += item.answer is not None
    return list(out.values())


def leader_view(s: Session, *, actor: Actor, now: datetime, sort: str) -> LeaderView:
    """Open avvik in my units (sorted by `sort`), overdue tiltak, checklist completion, my stale oppdrag."""
    items = avvik_svc.list_unit_avvik(session=s, actor_id=actor.person_id, limit=500)
    rows = sorted(_avvik_rows(s, items, now=now), key=SORTS.get(sort, SORTS["alder"]))
    opp = [r for r in _oppdrag_rows(oppdrag.list_my_oppdrag(session=s, person_id=actor.person_id), now=now)
           if r.needs_update]
    return LeaderView(rows=rows, overdue=_overdue_tiltak(s, actor, now=now),
                      completion=_checklist_completion(s, actor_id=actor.person_id, now=now), oppdrag=opp)


# ------------------------------------------------------------------------------------ one oppdrag
@dataclass(frozen=True)
class OppdragDetail:
    row: OppdragRow
    may_update: bool
    history: list[OppdragHistoryLine]
    owner: str


def oppdrag_detail(s: Session, *, actor: Actor, number: int, now: datetime, tz: str) -> OppdragDetail:
    o = oppdrag.get_oppdrag(session=s, actor_id=actor.person_id, number=number)
    assert o.id is not None
    units = set(s.exec(select(OppdragUnit.unit_id).where(OppdragUnit.oppdrag_id == o.id)).all())
    may = can_update_oppdrag(actor, org_id=o.org_id, owner_id=o.owner_id, delegated_unit_ids=units)
    updates: list[OppdragUpdate] = oppdrag.oppdrag_history(session=s, oppdrag_id=o.id)
    hist = [OppdragHistoryLine(fmt_dt(u.at, tz), UpdateLine(u.status, u.progress, u.comment), person_name(s, u.actor_id))
            for u in updates]
    return OppdragDetail(row=_oppdrag_rows([o], now=now)[0], may_update=may, history=hist,
                         owner=person_name(s, o.owner_id))
