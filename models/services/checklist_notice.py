"""«A new checklist for your unit»: one actionable message to each leader a template is for.

Written to the outbox with the template's publish date as its earliest delivery, so a template
made in December for 1 January reaches the leaders on 1 January without a job of its own. The
dedupe key names the template, its version and the leader, so a leader is told once per version.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, delete, select

from models.i18n import _, use_locale
from models.messages import Action, Fact, Reply
from models.services import outbox
from models.services.checklists import RECURRENCES, scope_units
from models.sql import pk
from models.tables import ChecklistItem, ChecklistTemplate, OutboxMessage, Person, PersonRole

KIND = "checklist_published"
MORNING = time(8, 0)


def notice_prefix(tpl: ChecklistTemplate) -> str:
    return f"checklist:{tpl.id}:v{tpl.version}:"


def leaders_for(session: Session, tpl: ChecklistTemplate) -> list[Person]:
    """Active leaders of the units the template is for (every unit's leader for «all»)."""
    units = scope_units(session, tpl)
    q = (select(Person).join(PersonRole, col(PersonRole.person_id) == Person.id)
         .where(Person.org_id == tpl.org_id, PersonRole.role == "leder", col(Person.active).is_(True)))
    if units is not None:
        q = q.where(col(PersonRole.unit_id).in_(units or {-1}))
    return list({pk(p): p for p in session.exec(q.order_by(col(Person.id))).all()}.values())


def _reply(tpl: ChecklistTemplate, count: int) -> Reply:
    title = _("Ny sjekkliste for internkontroll") if tpl.version == 1 else _("Sjekklisten er endret")
    facts = [Fact(label=_("Besvares"), value=_(RECURRENCES.get(tpl.recurrence, tpl.recurrence))),
             Fact(label=_("Sjekkpunkter"), value=str(count))]
    if tpl.due_day:
        facts.append(Fact(label=_("Frist"), value=_("dag {n} i periodens siste måned").format(n=tpl.due_day)))
    return Reply(title=title, text=tpl.name, facts=facts,
                 actions=[Action(label=_("Start sjekklisten"), action_id="checklist.start", value=str(tpl.id),
                                 style="primary")])


def announce(session: Session, tpl: ChecklistTemplate, *, today: date, replace: bool = False,
             tz: str = "Europe/Oslo") -> int:
    """Queue the message for each leader; `replace` first drops this version's undelivered ones
    (a template edited before its publish date may now be for other units). Returns how many were added."""
    if not tpl.active:
        return 0
    prefix = notice_prefix(tpl)
    if replace:
        session.execute(delete(OutboxMessage).where(col(OutboxMessage.dedupe_key).startswith(prefix),
                                                    col(OutboxMessage.status) == "pending"))
    not_before = None
    if tpl.publish_on is not None and tpl.publish_on > today:
        not_before = datetime.combine(tpl.publish_on, MORNING, tzinfo=ZoneInfo(tz))
    count = len(session.exec(select(ChecklistItem.id).where(ChecklistItem.template_id == tpl.id,
                                                            col(ChecklistItem.active).is_(True))).all())
    added = 0
    for person in leaders_for(session, tpl):
        with use_locale(person.locale):
            reply = _reply(tpl, count)
        added += outbox.enqueue(session, org_id=tpl.org_id, dedupe_key=f"{prefix}leader:{person.id}", kind=KIND,
                                payload=reply, recipient_person_id=pk(person), not_before=not_before)
    return added
