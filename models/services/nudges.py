"""Monthly nudges: what waits for each leader, enqueued once per (kind, period, recipient).

Selection and enqueueing are domain logic and live here; delivery is the outbox
worker's job (notifications/outbox_worker.py). Exactly-once comes from the outbox's
unique dedupe key (`nudge:2026-11:person-42`) and INSERT … ON CONFLICT DO NOTHING:
a rerun after a crash, or a second scheduler, adds nothing that is already there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from sqlalchemy import ColumnElement, func, true
from sqlalchemy.orm import Mapped
from sqlmodel import Session, select

from models.access import Actor
from models.errors import ValidationFailed
from models.i18n import N_, _, fmt_date, ngettext, use_locale
from models.indicator_rules import format_value
from models.messages import Action, Fact, Item, Reply
from models.periods import Period, local_date, parse_period
from models.risk import severity_label
from models.services import checklists, indicator_chat, org, outbox, tiltak_overdue
from models.services import oppdrag as oppdrag_svc
from models.services._tx import writes
from models.services.languages import person_locales, speaking_to
from models.sql import col
from models.tables import Avvik, OutboxMessage, Person, PersonRole, Tiltak
from models.tables._common import utcnow
from models.vocabulary import AVVIK_STATUSES, OPEN_AVVIK_STATUSES

KIND = "nudge"
FACT_LABELS = (("avvik", N_("Åpne avvik")), ("tiltak", N_("Tiltak over frist")),
               ("sjekkpunkt", N_("Ubesvarte sjekkpunkt")), ("oppdrag", N_("Oppdrag å oppdatere")),
               ("indikator", N_("Indikatorer som mangler verdi")))
DEFAULT_ROLES = ("leder", "kommunalsjef", "kommunedirektør")
SECTION_LIMIT = 5  # items shown per section; the rest is counted ("… og 7 til")
TOTAL_LIMIT = 12  # keeps a Slack message under its 50-block limit with room for headers
Reader = Callable[[], AbstractContextManager[Session]]  # opens a read-only session (`UnitOfWork.read`)


def nudge_key(period: str, person_id: int) -> str:
    return f"{KIND}:{period}:person-{person_id}"


def month_period(period: str) -> Period:
    p = parse_period(period)
    if p.kind != "month":
        raise ValidationFailed({"period": _("Påminnelser sendes per måned: bruk f.eks. 2026-11.")})
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
            actions.append(Action(label=_("Ta saken"), action_id="avvik.take", value=str(a.id), style="primary"))
        actions.append(Action(label=_("Lukk"), action_id="avvik.close", value=str(a.id), style="danger"))
        items.append(Item(
            title=f"AV-{a.number} {a.title}",
            text=ngettext("Åpen i {n} dag", "Åpen i {n} dager", age).format(n=age),
            facts=[Fact(label=_("Risiko"), value=f"{a.risk} ({severity_label(a.risk)})"),
                   Fact(label=_("Enhet"), value=names.get(a.unit_id, "–")),
                   Fact(label=_("Status"), value=AVVIK_STATUSES.get(a.status, a.status))],
            actions=actions,
        ))
    return count, items


def _overdue_tiltak(session: Session, actor: Actor, today: date) -> tuple[int, list[Item]]:
    """Tiltak past deadline: on avvik in their units, or owned by them."""
    tq = tiltak_overdue.overdue_tiltak_query(actor, today)
    count = session.exec(select(func.count()).select_from(tq.subquery())).one()
    items = []
    for t, a in session.exec(tq.order_by(col(Tiltak.deadline), col(Tiltak.id)).limit(SECTION_LIMIT)).all():
        late = (today - t.deadline).days
        items.append(Item(
            title=_("Tiltak i AV-{number}: {text}").format(number=a.number, text=t.description[:150]),
            text=ngettext("Fristen var {date} ({n} dag siden)", "Fristen var {date} ({n} dager siden)", late).format(
                date=fmt_date(t.deadline), n=late),
            actions=[Action(label=_("Marker som utført"), action_id="tiltak.done", value=str(t.id), style="primary")],
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
            actions=[Action(label=_("Ja"), action_id="check.ja", value=v, style="primary"),
                     Action(label=_("Nei"), action_id="check.nei", value=v, style="danger"),
                     Action(label=_("Ikke relevant"), action_id="check.ikke_relevant", value=v)],
        ))
    return len(checks), items


def _stale_oppdrag(session: Session, person_id: int, now: datetime, today: date) -> tuple[int, list[Item]]:
    """Oppdrag with no status update this month, or past deadline."""
    stale = [o for o in oppdrag_svc.list_my_oppdrag(session=session, person_id=person_id)
             if oppdrag_svc.needs_update(o, now)]
    items = []
    for o in stale[:SECTION_LIMIT]:
        why = (_("fristen er passert") if o.deadline and o.deadline < today
               else _("ingen statusoppdatering denne måneden"))
        items.append(Item(
            title=_("Oppdrag {number}: {title}").format(number=o.number, title=o.title),
            text=f"{o.progress} % – {why}" + (_(" (frist {date})").format(date=fmt_date(o.deadline)) if o.deadline else ""),
            actions=[Action(label=_("Oppdater oppdrag"), action_id="oppdrag.update", value=str(o.number),
                            style="primary")],
        ))
    return len(stale), items


def _missing_indicators(session: Session, person_id: int, today: date) -> tuple[int, list[Item]]:
    """Indicators of the last month's reporting round with no value yet, for the units they lead."""
    period = indicator_chat.reporting_period(today)
    lines = indicator_chat.due_lines(session=session, actor_id=person_id, period=period)
    deadline = indicator_chat.deadline(period)
    items = [Item(title=_("Indikator: {indicator} – {unit}").format(indicator=n.item.indicator, unit=n.item.unit),
                  text=_("{period} mangler verdi (mål {target}, frist {date}). Skriv «registrer indikatorer».").format(
                      period=n.item.period_label, target=format_value(n.target, n.item.measure),
                      date=fmt_date(deadline)))
             for n in lines[:SECTION_LIMIT]]
    return len(lines), items


def compose(due: Due, period: Period, *, refreshed: bool = False) -> Reply:
    """One message per leader: a title, a line of counts, and up to TOTAL_LIMIT actionable items."""
    if due.total == 0:
        return Reply(title=_("Alt er à jour – {period}").format(period=period.label),
                     text=_("Du har ingen åpne avvik, forfalte tiltak, ubesvarte sjekkpunkt, oppdrag som "
                            "venter på oppdatering eller indikatorer som mangler verdi. Takk!") if not refreshed else
                          _("Alt som ventet på deg denne måneden er tatt hånd om. Takk!"))
    c = due.counts
    words = {"avvik": ngettext("{n} åpent avvik", "{n} åpne avvik", c["avvik"]),
             "tiltak": ngettext("{n} tiltak over fristen", "{n} tiltak over fristen", c["tiltak"]),
             "sjekkpunkt": ngettext("{n} ubesvart sjekkpunkt", "{n} ubesvarte sjekkpunkt", c["sjekkpunkt"]),
             "oppdrag": ngettext("{n} oppdrag som trenger oppdatering", "{n} oppdrag som trenger oppdatering",
                                 c["oppdrag"]),
             "indikator": ngettext("{n} indikator som mangler verdi", "{n} indikatorer som mangler verdi",
                                   c["indikator"])}
    parts = [words[key].format(n=c[key]) for key in words if c[key]]
    items: list[Item] = []
    for section in (due.avvik, due.tiltak, due.checks, due.oppdrag, due.indikatorer):
        room = TOTAL_LIMIT - len(items)
        items.extend(section[:max(0, room)])
    shown = len(items)
    text = _("Dette venter på deg: {parts}.").format(parts=", ".join(parts))
    if due.total > shown:
        text += " " + _("Viser {shown} av {total}; skriv «mine avvik», «sjekkliste», «mine oppdrag» eller "
                        "«registrer indikatorer» for resten.").format(shown=shown, total=due.total)
    if refreshed:
        text += " " + _("(Oppdatert.)")
    facts = [Fact(label=_(label), value=str(c[key])) for key, label in FACT_LABELS if c[key]]
    return Reply(title=_("Påminnelse for {period}").format(period=period.label), text=text, facts=facts, items=items)


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
               tz: str = "Europe/Oslo", reader: Reader | None = None) -> NudgeRun:
    """Enqueue one nudge per leader for `period` (a month key), committing after each leader.

    Committing per leader (not @writes around the whole run) means a run killed half-way
    keeps what it enqueued, and the rerun's ON CONFLICT DO NOTHING skips exactly those.
    With `reader` (read-only sessions), the leaders and each one's items are read there and
    `session` only writes: on SQLite a write transaction holds the file's one write lock from
    its first statement, and reading a leader's items inside it (≈ 20 statements) kept every
    Slack ack of the web process waiting, leader after leader.
    """
    p = month_period(period)
    now = now or utcnow()
    result = NudgeRun(period=p.key, dry_run=dry_run)
    read = reader or (lambda: nullcontext(session))
    with read() as rs:
        leaders = leader_ids(rs, org_id=org_id, roles=roles)
        languages = person_locales(rs, leaders)  # once for the run, not twice per leader
    for pid in leaders:
        result.leaders += 1
        with read() as rs, use_locale(languages.get(pid)) as locale:  # the items are worded as they are read
            due = due_for_leader(session=rs, person_id=pid, now=now, tz=tz)
            wanted = (due.total or all_clear) and not dry_run
            message = compose(due, p).model_copy(update={"locale": locale}) if wanted else None
        if due.total:
            result.with_items += 1
        else:
            result.nothing_due += 1
            if not all_clear:
                continue
        added = False
        if not dry_run and message is not None:
            added = outbox.enqueue(session, dedupe_key=nudge_key(p.key, pid), kind=KIND, payload=message,
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
    with speaking_to(session, person_id):
        due = due_for_leader(session=session, person_id=person_id, now=now, tz=tz)
    return outbox.enqueue(session, dedupe_key=f"{key}:update-{uuid.uuid4().hex[:12]}", kind="nudge_update",
                          payload=lambda: compose(due, p, refreshed=True), org_id=original.org_id,
                          recipient_person_id=person_id, update_of_key=key)


def iso_week_key(today: date) -> str:
    y, w, _day = today.isocalendar()
    return f"{y}-W{w:02d}"


@writes
def send_tiltak_deadline_reminders(*, session: Session, now: datetime | None = None, tz: str = "Europe/Oslo",
                                   org_id: int | None = None) -> int:
    """Weekly: each owner of a tiltak past its deadline gets one reminder per ISO week (one kommune or all)."""
    now = now or utcnow()
    today = local_date(now, tz)
    week = iso_week_key(today)
    q = (select(Tiltak, Avvik).join(Avvik, col(Avvik.id) == Tiltak.avvik_id)
         .where(col(Tiltak.done_at).is_(None), Tiltak.deadline < today))
    if org_id is not None:
        q = q.where(col(Avvik.org_id) == org_id)
    rows = session.exec(q.order_by(col(Tiltak.owner_id), col(Tiltak.deadline), col(Tiltak.id))).all()
    by_owner: dict[int, list[tuple[Tiltak, Avvik]]] = {}
    for t, a in rows:
        by_owner.setdefault(t.owner_id, []).append((t, a))
    added = 0
    for owner_id, pairs in by_owner.items():
        if outbox.enqueue(session, dedupe_key=f"tiltak_reminder:{week}:person-{owner_id}", kind="tiltak_reminder",
                          payload=partial(_overdue_reminder, pairs), org_id=pairs[0][1].org_id,
                          recipient_person_id=owner_id):
            added += 1
    return added


def _overdue_reminder(pairs: list[tuple[Tiltak, Avvik]]) -> Reply:
    """The weekly reminder to one owner, in their language (built inside `outbox.enqueue`)."""
    items = [Item(title=_("Tiltak i AV-{number}: {text}").format(number=a.number, text=t.description[:150]),
                  text=_("Fristen var {date}").format(date=fmt_date(t.deadline)),
                  actions=[Action(label=_("Marker som utført"), action_id="tiltak.done", value=str(t.id),
                                  style="primary")]) for t, a in pairs[:TOTAL_LIMIT]]
    return Reply(title=_("Tiltak over fristen"),
                 text=ngettext("Du har {n} tiltak der fristen er passert. Marker det som utført når det er gjort.",
                               "Du har {n} tiltak der fristen er passert. Marker dem som utført når de er gjort.",
                               len(pairs)).format(n=len(pairs)),
                 items=items)
