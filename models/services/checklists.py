"""Internkontroll: the leader's due check items this period, and answering them.

A run (template × unit × period) is created on the first answer, so "due" is simply
the active items with no answer in this period's run. A «nei» creates an avvik.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.periods import Period, local_date, period_of
from models.services import audit, kommune_settings, org
from models.services._tx import writes
from models.sql import col, pk
from models.tables import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateUnit,
    Unit,
)
from models.tables._common import utcnow
from models.vocabulary import CHECK_ANSWERS

ONCE = "once"
RECURRENCES: dict[str, str] = {"month": N_("Hver måned"), "tertial": N_("Hvert tertial"), "year": N_("Hvert år"),
                               ONCE: N_("Én gang")}


@dataclass(frozen=True)
class DueItem:
    unit_id: int
    unit_name: str
    template_id: int
    template_name: str
    period: str
    item_id: int
    purpose: str
    type: str
    text: str
    answer: str | None
    comment: str | None


def current_period(template: ChecklistTemplate, now: datetime | None = None, tz: str = "Europe/Oslo") -> Period:
    return period_of(now or utcnow(), template.recurrence, tz)


def period_key(template: ChecklistTemplate, now: datetime | None = None, tz: str = "Europe/Oslo") -> str:
    """The run's period: this month, tertial or year, or «once» for a checklist answered one time only."""
    return ONCE if template.recurrence == ONCE else current_period(template, now, tz).key


def published(template: ChecklistTemplate, today: date) -> bool:
    return template.active and (template.publish_on is None or template.publish_on <= today)


def scope_units(session: Session, template: ChecklistTemplate) -> set[int] | None:
    """The units a template is for: None for every unit; a sector means it and every unit below."""
    if template.scope == "all":
        return None
    chosen = set(session.exec(select(ChecklistTemplateUnit.unit_id)
                              .where(ChecklistTemplateUnit.template_id == template.id)).all())
    return org.subtree_ids(session, chosen) if template.scope == "sector" else chosen


def _for_units(session: Session, tpl: ChecklistTemplate, units: list[Unit]) -> list[Unit]:
    wanted = scope_units(session, tpl)
    return units if wanted is None else [u for u in units if u.id in wanted]


def list_checklist(*, session: Session, actor_id: int, now: datetime | None = None,
                   include_answered: bool = True) -> list[DueItem]:
    """This period's check items for every unit the actor leads directly."""
    actor = org.load_actor(session, person_id=actor_id)
    if not actor.led_unit_ids:
        return []
    units = session.exec(select(Unit).where(col(Unit.id).in_(actor.led_unit_ids)).order_by(col(Unit.path))).all()
    templates = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.org_id == actor.org_id,
                                                             ChecklistTemplate.active == True)).all()  # noqa: E712
    out: list[DueItem] = []
    today = local_date(now or utcnow())
    for tpl in templates:
        if not published(tpl, today):
            continue
        period = period_key(tpl, now)
        items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == tpl.id,
                                                         ChecklistItem.active == True)  # noqa: E712
                             .order_by(col(ChecklistItem.position), col(ChecklistItem.id))).all()
        for unit in _for_units(session, tpl, list(units)):
            run = session.exec(select(ChecklistRun).where(ChecklistRun.template_id == tpl.id,
                                                          ChecklistRun.unit_id == unit.id,
                                                          ChecklistRun.period == period)).first()
            answers: dict[int, ChecklistAnswer] = {}
            if run is not None:
                answers = {a.item_id: a for a in session.exec(select(ChecklistAnswer).where(ChecklistAnswer.run_id == run.id))}
            for item in items:
                a = answers.get(pk(item))
                if a is not None and not include_answered:
                    continue
                out.append(DueItem(unit_id=pk(unit), unit_name=unit.name, template_id=pk(tpl), template_name=tpl.name,
                                   period=period, item_id=pk(item), purpose=item.purpose, type=item.type,
                                   text=item.text, answer=a.answer if a else None, comment=a.comment if a else None))
    return out


def list_due_checklists(*, session: Session, actor_id: int, now: datetime | None = None) -> list[DueItem]:
    return list_checklist(session=session, actor_id=actor_id, now=now, include_answered=False)


def _refuse_other_unit(session: Session, tpl: ChecklistTemplate, unit_id: int) -> None:
    """A template answers only for the units it is for (all, a sector and below, or the chosen units)."""
    wanted = scope_units(session, tpl)
    if not tpl.active or (wanted is not None and unit_id not in wanted):
        raise ValidationFailed({"unit_id": _("Sjekklisten «{name}» gjelder ikke denne enheten.").format(name=tpl.name)})


def _avvik_category(session: Session, org_id: int, item: ChecklistItem) -> str:
    """The «nei» avvik's category: HMS or rutinebrudd as the item reads, among those the kommune offers."""
    offered = kommune_settings.offered_categories(session, org_id=org_id)
    wanted = "hms" if "hms" in (item.purpose + item.type).lower() else "rutinebrudd"
    return next((c for c in (wanted, "rutinebrudd", "annet") if c in offered), next(iter(offered)))


@dataclass(frozen=True)
class AnswerResult:
    answer: ChecklistAnswer
    avvik_number: int | None


@writes
def answer_check_item(*, session: Session, actor_id: int, unit_id: int, item_id: int, answer: str,
                      comment: str | None = None, now: datetime | None = None) -> AnswerResult:
    actor = org.load_actor(session, person_id=actor_id)
    answer = (answer or "").strip().lower().replace(" ", "_")
    if answer not in CHECK_ANSWERS:
        raise ValidationFailed({"answer": _("Svar ja, nei eller ikke relevant.")})
    if unit_id not in actor.led_unit_ids and not actor.org_wide:
        raise PermissionDenied(_("Bare lederen for enheten kan svare på sjekklisten."))
    item = session.get(ChecklistItem, item_id)
    if item is None or item.org_id != actor.org_id or not item.active:
        raise NotFound(_("Fant ikke sjekkpunktet."))
    text = (comment or "").replace("\x00", "").strip()
    if answer == "nei" and len(text) < 3:
        raise ValidationFailed({"comment": _("Skriv en kort kommentar om hva som mangler – den blir et avvik.")})
    if len(text) > 3000:
        raise ValidationFailed({"comment": _("Kommentaren kan være høyst 3000 tegn.")})
    tpl = session.get(ChecklistTemplate, item.template_id)
    assert tpl is not None
    _refuse_other_unit(session, tpl, unit_id)
    period = period_key(tpl, now)
    run = session.exec(select(ChecklistRun).where(ChecklistRun.template_id == tpl.id, ChecklistRun.unit_id == unit_id,
                                                  ChecklistRun.period == period)).first()
    if run is None:
        run = ChecklistRun(org_id=actor.org_id, template_id=pk(tpl), unit_id=unit_id, period=period)
        session.add(run)
        session.flush()
    row = session.exec(select(ChecklistAnswer).where(ChecklistAnswer.run_id == run.id,
                                                     ChecklistAnswer.item_id == item_id)).first()
    if row is None:
        row = ChecklistAnswer(org_id=actor.org_id, run_id=pk(run), item_id=item_id, answer=answer)
    row.answer = answer
    row.comment = text or None
    row.answered_by_id = actor_id
    row.answered_at = utcnow()
    session.add(row)
    session.flush()
    avvik_number = None
    if answer == "nei" and row.avvik_id is None:
        from models.services.avvik import AvvikInput, report_avvik

        category = _avvik_category(session, actor.org_id, item)
        # report_avvik commits: the answer and the avvik land together in this transaction.
        avvik = report_avvik.__wrapped__(
            session=session, reporter_id=actor_id, source="checklist",
            data=AvvikInput(category=category, title=f"Sjekkpunkt besvart «nei»: {item.text}"[:200],
                            description=text, occurred_at=utcnow(), probability=2, consequence=2, unit_id=unit_id),
        )
        row.avvik_id = avvik.id
        session.add(row)
        avvik_number = avvik.number
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="checklist.answered", entity="checklist_answer",
                 entity_id=row.id, detail={"answer": answer, "period": period})
    return AnswerResult(answer=row, avvik_number=avvik_number)
