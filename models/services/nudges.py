"""Monthly nudges: what waits for each leader, enqueued once per (kind, period, recipient).

Selection and enqueueing are domain logic and live here; delivery is the outbox
worker's job (notifications/outbox_worker.py). Exactly-once comes from the outbox's
unique dedupe key (`nudge:2026-11:person-42`) and INSERT … ON CONFLICT DO NOTHING:
a rerun after a crash, or a second scheduler, adds nothing that is already there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, true
from sqlalchemy.orm import Mapped
from sqlmodel import Session, select

from models.access import Actor
from models.errors import ValidationFailed
from models.indicator_rules import format_value
from models.messages import Action, Fact, Item, Reply
from models.periods import Period, local_date, parse_period
from models.risk import severity
from models.services import avvik as avvik_svc
from models.services import checklists, indicator_chat, org, outbox
from models.services import oppdrag as oppdrag_svc
from models.services._tx import writes
from models.sql import col
from models.tables import Avvik, OutboxMessage, Person, PersonRole, Tiltak
from models.tables._common import utcnow
from models.vocabulary import AVVIK_STATUSES, OPEN_AVVIK_STATUSES

KIND = "nudge"
DEFAULT_ROLES = ("leder", "kommunalsjef", "kommunedirektør")
SECTION_LIMIT = 5  # items shown per section; the rest is counted ("… og 7 til")
TOTAL_LIMIT = 12  # keeps a Slack message under its 50-block limit with room for headers


def nudge_key(period: str, person_id: int) -> str:
    return f"{KIND}:{period}:person-{person_id}"


def month_period(period: str) -> Period:
    p = parse_period(period)
    if p.kind != "month":
        raise ValidationFailed({"period": "Påminnelser sendes per måned: bruk f.eks. 2026-11."})
    return p


@dataclass
class Due:
    """What waits for one leader: the items shown, and the full counts per section."""

    person_id: int
    name: str
    email: str
    org_id: int
    avvik: list[Item] = field(default_factory=list)
    tiltak: list[Item] = field(default_factory=list)
    checks: list[Item] = field(default_factory=list)
    oppdrag: list[Item] = field(default_factory=list)
    indikatorer: list[Item] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"avvik": 0, "tiltak": 0, "sjekkpunkt": 0, "oppdrag": 0,
                                                            "indikator": 0})

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _managed_filter(actor: Actor, unit_id: Mapped[int]) -> ColumnElement[bool]:
    """The rows in the units this actor manages (everything when org-wide); `unit_id` is the row's column."""
    if actor.org_wide:
        return true()
    return unit_id.in_(actor.managed_unit_ids or {-1})


def due_for_leader(*, session: Session, person_id: int, now: datetime | None = None,
                   tz: str = "Europe/Oslo") -> Due:
    """Everything a leader should act on now. Read-only."""
    now = now or utcnow()
    today = local_date(now, tz)
    actor = org.load_actor(session, person_id=person_id)
    due = Due(person_id=person_id, name=actor.name, email=actor.email, org_id=actor.org_id)
    due.counts["avvik"], due.avvik = _open_avvik(session, actor, today, tz)
    due.counts["tiltak"], due.tiltak = _overdue_tiltak(session, actor, today)
    due.counts["sjekkpunkt"], due.checks = _unanswered_checks(session, person_id, now)
    due.counts["oppdrag"], due.oppdrag = _stale_oppdrag(session, person_id, now, today)
    due.counts["indikator"], due.indikatorer = _missing_indicators(session, person_id, today)
    return due


def _open_avvik(session: Session, actor: Actor, today: date, tz: str) -> tuple[int, list[Item]]:
    """Open avvik in the units they manage, worst and oldest first: (how many, the first few)."""
    q = select(Avvik).where(Avvik.org_id == actor.org_id, col(Avvik.status).in_(OPEN_AVVIK_STATUSES),
                            _managed_filter(actor, col(Avvik.unit_id)))
    count = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(q.order_by(col(Avvik.risk).desc(), col(Avvik.created_at), col(Avvik.id))
                        .limit(SECTION_LIMIT)).all()
    names = org.unit_names(session, {a.unit_id for a in rows})
    items = []
    for a in rows:
        age = max(0, (today - local_date(a.created_at, tz)).days)
        actions = []
        if a.status == "meldt":
            actions.append(Action(label="Ta saken", action_id="avvik.take", value=str(a.id), style="primary"))
        actions.append(Action(label="Lukk", action_id="avvik.close", value=str(a.id), style="danger"))
        items.append(Item(
            title=f"AV-{a.number} {a.title}",
            text=f"Åpen i {age} {'dag' if age == 1 else 'dager'}",
            facts=[Fact(label="Risiko", value=f"{a.risk} ({severity(a.risk)})"),
                   Fact(label="Enhet", value=names.get(a.unit_id, "–")),
                   Fact(label="Status", value=AVVIK_STATUSES.get(a.status, a.status))],
            actions=actions,
        ))
    return count, items


def _overdue_tiltak(session: Session, actor: Actor, today: date) -> tuple[int, list[Item]]:
    """Tiltak past deadline: on avvik in their units, or owned by them."""
    tq = avvik_svc.overdue_tiltak_query(actor, today)
    count = session.exec(select(func.count()).select_from(tq.subquery())).one()
    items = []
    for t, a in session.exec(tq.order_by(col(Tiltak.deadline), col(Tiltak.id)).limit(SECTION_LIMIT)).all():
        late = (today - t.deadline).days
        items.append(Item(
            title=f"Tiltak i AV-{a.number}: {t.description[:150]}",
            text=f"Fristen var {t.deadline:%d.%m.%Y} ({late} {'dag' if late == 1 else 'dager'} siden)",
            actions=[Action(label="Marker som utført", action_id="tiltak.done", value=str(t.id), style="primary")],
        ))
    return count, items


def _unanswered_checks(session: Session, person_id: int, now: datetime) -> tuple[int, list[Item]]:
    """Check items not answered this period, for the units they lead directly."""
    checks = checklists.list_due_checklists(session=session, actor_id=person_id, now=now)
    items = []
    for c in checks[:SECTION_LIMIT]:
        v = f"{c.unit_id}:{c.item_id}"
        items.append(Item(
            title=c.text, text=f"{c.unit_name} · {c.template_name} · {c.period}",
            actions=[Action(label="Ja", action_id="check.ja", value=v, style="primary"),
                     Action(label="Nei", action_id="check.nei", value=v, style="danger"),
                     Action(label="Ikke relevant", action_id="check.ikke_relevant", value=v)],
        ))
    return len(checks), items


def _stale_oppdrag(session: Session, person_id: int, now: datetime, today: date) -> tuple[int, list[Item]]:
    """Oppdrag with no status update this month, or past deadline."""
    stale = [o for o in oppdrag_svc.list_my_oppdrag(session=session, person_id=person_id)
             if oppdrag_svc.needs_update(o, now)]
    items = []
    for o in stale[:SECTION_LIMIT]:
        why = ("fristen er passert" if o.deadline and o.deadline < today
               else "ingen statusoppdatering denne måneden")
        items.append(Item(
            title=f"Oppdrag {o.number}: {o.title}",
            text=f"{o.progress} % – {why}" + (f" (frist {o.deadline:%d.%m.%Y})" if o.deadline else ""),
            actions=[Action(label="Oppdater oppdrag", action_id="oppdrag.update", value=str(o.number), style="primary")],
        ))
    return len(stale), items


def _missing_indicators(session: Session, person_id: int, today: date) -> tuple[int, list[Item]]:
    """Indicators of the last month's reporting round with no value yet, for the units they lead."""
    period = indicator_chat.reporting_period(today)
    lines = indicator_chat.due_lines(session=session, actor_id=person_id, period=period)
    deadline = indicator_chat.deadline(period)
    items = [Item(title=f"Indikator: {n.item.indicator} – {n.item.unit}",
                  text=f"{n.item.period_label} mangler verdi (mål {format_value(n.target, n.item.measure)}, "
                       f"frist {deadline:%d.%m.%Y}). Skriv «registrer indikatorer».")
             for n in lines[:SECTION_LIMIT]]
    return len(lines), items


def compose(due: Due, period: Period, *, refreshed: bool = False) -> Reply:
    """One message per leader: a title, a line of counts, and up to TOTAL_LIMIT actionable items."""
    if due.total == 0:
        return Reply(title=f"Alt er à jour – {period.label}",
                     text="Du har ingen åpne avvik, forfalte tiltak, ubesvarte sjekkpunkt, oppdrag som "
                          "venter på oppdatering eller indikatorer som mangler verdi. Takk!" if not refreshed else
                          "Alt som ventet på deg denne måneden er tatt hånd om. Takk!")
    c = due.counts
    parts = []
    if c["avvik"]:
        parts.append(f"{c['avvik']} åpne avvik")
    if c["tiltak"]:
        parts.append(f"{c['tiltak']} tiltak over fristen")
    if c["sjekkpunkt"]:
        parts.append(f"{c['sjekkpunkt']} ubesvarte sjekkpunkt")
    if c["oppdrag"]:
        parts.append(f"{c['oppdrag']} oppdrag som trenger oppdatering")
    if c["indikator"]:
        parts.append(f"{c['indikator']} indikatorer som mangler verdi")
    items: list[Item] = []
    for section in (due.avvik, due.tiltak, due.checks, due.oppdrag, due.indikatorer):
        room = TOTAL_LIMIT - len(items)
        items.extend(section[:max(0, room)])
    shown = len(items)
    text = "Dette venter på deg: " + ", ".join(parts) + "."
    if due.total > shown:
        text += (f" Viser {shown} av {due.total}; skriv «mine avvik», «sjekkliste», «mine oppdrag» eller "
                 "«registrer indikatorer» for resten.")
    if refreshed:
        text += " (Oppdatert.)"
    facts = [Fact(label=label, value=str(c[key])) for key, label in
             (("avvik", "Åpne avvik"), ("tiltak", "Tiltak over frist"), ("sjekkpunkt", "Ubesvarte sjekkpunkt"),
              ("oppdrag", "Oppdrag å oppdatere"), ("indikator", "Indikatorer som mangler verdi")) if c[key]]
    return Reply(title=f"Påminnelse for {period.label}", text=text, facts=facts, items=items)


def leader_ids(session: Session, *, org_id: int | None = None, roles: tuple[str, ...] = DEFAULT_ROLES) -> list[int]:
    q = (select(col(Person.id)).join(PersonRole, col(PersonRole.person_id) == Person.id)
         .where(col(PersonRole.role).in_(roles), Person.active == True))  # noqa: E712
    if org_id is not None:
        q = q.where(Person.org_id == org_id)
    return sorted({pid for pid in session.exec(q).all() if pid is not None})


@dataclass
class PlannedNudge:
    person_id: int
    name: str
    email: str
    counts: dict[str, int]
    all_clear: bool
    enqueued: bool  # False in a dry run, or when the key was already there


@dataclass
class NudgeRun:
    period: str
    dry_run: bool
    leaders: int = 0
    with_items: int = 0
    nothing_due: int = 0
    enqueued: int = 0
    already_there: int = 0
    planned: list[PlannedNudge] = field(default_factory=list)


def run_nudges(*, session: Session, period: str, org_id: int | None = None, now: datetime | None = None,
               dry_run: bool = False, all_clear: bool = False, roles: tuple[str, ...] = DEFAULT_ROLES,
               tz: str = "Europe/Oslo") -> NudgeRun:
    """Enqueue one nudge per leader for `period` (a month key), committing after each leader.

    Committing per leader (not @writes around the whole run) means a run killed half-way
    keeps what it enqueued, and the rerun's ON CONFLICT DO NOTHING skips exactly those.
    """
    p = month_period(period)
    now = now or utcnow()
    result = NudgeRun(period=p.key, dry_run=dry_run)
    for pid in leader_ids(session, org_id=org_id, roles=roles):
        result.leaders += 1
        due = due_for_leader(session=session, person_id=pid, now=now, tz=tz)
        if due.total:
            result.with_items += 1
        else:
            result.nothing_due += 1
            if not all_clear:
                continue
        added = False
        if not dry_run:
            added = outbox.enqueue(session, dedupe_key=nudge_key(p.key, pid), kind=KIND, payload=compose(due, p),
                                   org_id=due.org_id, recipient_person_id=pid)
            session.commit()
            if added:
                result.enqueued += 1
            else:
                result.already_there += 1
        result.planned.append(PlannedNudge(person_id=pid, name=due.name, email=due.email, counts=dict(due.counts),
                                           all_clear=due.total == 0, enqueued=added))
    if dry_run:
        session.rollback()
    return result


@writes
def refresh_nudge(*, session: Session, person_id: int, period: str | None = None,
                  now: datetime | None = None, tz: str = "Europe/Oslo") -> bool:
    """After a leader acts on a nudge, enqueue an in-place update of that nudge message.

    Returns False when the leader got no nudge for the period. Each refresh gets its own
    key (the worker skips updates superseded by a newer one) and `update_of_key` pointing
    at the original, so the worker passes the original's platform reference along.
    """
    now = now or utcnow()
    p = month_period(period) if period else Period("month", local_date(now, tz).year, local_date(now, tz).month)
    key = nudge_key(p.key, person_id)
    original = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()
    if original is None:
        return False
    due = due_for_leader(session=session, person_id=person_id, now=now, tz=tz)
    return outbox.enqueue(session, dedupe_key=f"{key}:update-{uuid.uuid4().hex[:12]}", kind="nudge_update",
                          payload=compose(due, p, refreshed=True), org_id=original.org_id,
                          recipient_person_id=person_id, update_of_key=key)


def iso_week_key(today: date) -> str:
    y, w, _ = today.isocalendar()
    return f"{y}-W{w:02d}"


@writes
def send_tiltak_deadline_reminders(*, session: Session, now: datetime | None = None, tz: str = "Europe/Oslo") -> int:
    """Weekly: each owner of a tiltak past its deadline gets one reminder per ISO week."""
    now = now or utcnow()
    today = local_date(now, tz)
    week = iso_week_key(today)
    rows = session.exec(select(Tiltak, Avvik).join(Avvik, col(Avvik.id) == Tiltak.avvik_id)
                        .where(col(Tiltak.done_at).is_(None), Tiltak.deadline < today)
                        .order_by(col(Tiltak.owner_id), col(Tiltak.deadline), col(Tiltak.id))).all()
    by_owner: dict[int, list[tuple[Tiltak, Avvik]]] = {}
    for t, a in rows:
        by_owner.setdefault(t.owner_id, []).append((t, a))
    added = 0
    for owner_id, pairs in by_owner.items():
        items = [Item(title=f"Tiltak i AV-{a.number}: {t.description[:150]}",
                      text=f"Fristen var {t.deadline:%d.%m.%Y}",
                      actions=[Action(label="Marker som utført", action_id="tiltak.done", value=str(t.id),
                                      style="primary")]) for t, a in pairs[:TOTAL_LIMIT]]
        reply = Reply(title="Tiltak over fristen",
                      text=f"Du har {len(pairs)} tiltak der fristen er passert. Marker dem som utført når de er gjort.",
                      items=items)
        if outbox.enqueue(session, dedupe_key=f"tiltak_reminder:{week}:person-{owner_id}", kind="tiltak_reminder",
                          payload=reply, org_id=pairs[0][1].org_id, recipient_person_id=owner_id):
            added += 1
    return added
