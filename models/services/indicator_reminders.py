"""The indicator reminder: a few days before the reporting deadline, each leader with values still
missing gets one message, updated in place as the values come in.

The deadline is the 10th of the month after a period ends (`indicator_chat.deadline`): November's
values and, in December, the 3rd tertial's and the year's are due on 10 January. The reminder goes
out once per (reporting month, leader) thanks to the outbox's unique dedupe key, so the daily job
may run as often as it likes; after a check-in `refresh_reminder` enqueues an edit of that message.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from models.i18n import _, fmt_date
from models.indicator_rules import format_value
from models.messages import Fact, Item, Reply
from models.periods import Period, local_date
from models.services import indicator_chat, nudges, org, outbox
from models.services._tx import writes
from models.services.indicator_chat import DueLine
from models.services.languages import speaking_to
from models.settings import Settings
from models.tables import OutboxMessage
from models.tables._common import utcnow
from models.uow import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

KIND = "indicator_reminder"
ITEM_LIMIT = 12
log = logging.getLogger("trad.jobs")


def reminder_key(period: Period, person_id: int) -> str:
    return f"{KIND}:{period.key}:person-{person_id}"


def compose(lines: list[DueLine], period: Period, *, refreshed: bool = False) -> Reply:
    """The reminder: what is still missing, by when. With nothing missing: a thank-you."""
    due = fmt_date(indicator_chat.deadline(period))
    updated = " " + _("(Oppdatert.)") if refreshed else ""
    if not lines:
        return Reply(title=_("Indikatorer for {period}: alt er registrert").format(period=period.label),
                     text=_("Alle indikatorene dine er registrert. Takk!") + updated)
    items = [Item(title=f"{n.item.indicator} – {n.item.unit}",
                  text=_("{period} · mål {target}").format(period=n.item.period_label,
                                                          target=format_value(n.target, n.item.measure)))
             for n in lines[:ITEM_LIMIT]]
    more = " " + _("Viser {shown} av {total}.").format(shown=len(items), total=len(lines)) \
        if len(lines) > len(items) else ""
    text = (_("Fristen for å registrere indikatorene er {date}. {n} mangler verdi.").format(date=due, n=len(lines))
            + more + " " + _("Skriv «registrer indikatorer» til meg, eller f.eks. «nærvær 93,4»."))
    return Reply(title=_("Indikatorer som venter – frist {date}").format(date=due), text=text + updated,
                 facts=[Fact(label=_("Mangler"), value=str(len(lines)))], items=items)


@writes
def send_reminders(*, session: Session, now: datetime | None = None, tz: str = "Europe/Oslo", days_before: int = 3,
                   org_id: int | None = None) -> int:
    """Daily: in the `days_before` days before the deadline, one reminder per leader with values missing."""
    now = now or utcnow()
    today = local_date(now, tz)
    if not indicator_chat.DEADLINE_DAY - days_before <= today.day < indicator_chat.DEADLINE_DAY:
        return 0
    period = indicator_chat.reporting_period(today)
    sent = 0
    for pid in nudges.leader_ids(session, org_id=org_id):
        with speaking_to(session, pid):
            lines = indicator_chat.due_lines(session=session, actor_id=pid, period=period)
        if not lines:
            continue
        actor = org.load_actor(session, person_id=pid)
        if outbox.enqueue(session, dedupe_key=reminder_key(period, pid), kind=KIND, payload=partial(compose, lines, period),
                          org_id=actor.org_id, recipient_person_id=pid):
            sent += 1
    return sent


@writes
def refresh_reminder(*, session: Session, person_id: int, period: Period) -> bool:
    """After a check-in: edit the period's reminder in place. False when none was sent."""
    key = reminder_key(period, person_id)
    original = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()
    if original is None:
        return False
    with speaking_to(session, person_id):
        lines = indicator_chat.due_lines(session=session, actor_id=person_id, period=period)
    return outbox.enqueue(session, dedupe_key=f"{key}:update-{uuid.uuid4().hex[:12]}", kind=f"{KIND}_update",
                          payload=partial(compose, lines, period, refreshed=True), org_id=original.org_id,
                          recipient_person_id=person_id, update_of_key=key)


def indicator_reminder_job(now: datetime | None = None, *, engine: Engine, settings: Settings, only: int | None = None,
                           skip: frozenset[int] = frozenset()) -> dict[str, int]:
    """The scheduled job (notifications/jobs.py JOBS["indicator_reminders"]): daily, sends only in the window.

    `only` / `skip`: one kommune at its own time, or all the others (notifications/tenant_schedules.py).
    """
    sent = 0
    with UnitOfWork(engine).write() as tx:
        for org_id in ([only] if only is not None else [i for i in org.org_ids(tx) if i not in skip]):
            sent += send_reminders(session=tx, now=now or datetime.now(UTC), tz=settings.tz_name,
                                   days_before=settings.indicator_reminder_days_before, org_id=org_id)
    log.info("indicator reminders: %s", sent)
    return {"sent": sent}


