"""Messages for escalations and governance reminders, as neutral `Reply` objects (see models/notices.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.i18n import _, fmt_date
from models.messages import Action, Fact, Reply
from models.risk import severity


@dataclass(frozen=True)
class EscalationSubject:
    """What is escalated, already in words: a risk (RO-3) or an avvik (AV-12)."""

    ref: str
    title: str
    unit_name: str
    score: int
    what: str  # "Risiko" | "Avvik"


def escalation(subject: EscalationSubject, *, level: str, escalation_id: int) -> Reply:
    who = "kommunedirektøren" if level == "top" else "kommunalsjefen for sektoren"
    return Reply(
        title=f"Alvorlig {subject.what.lower()} {subject.ref}: {subject.title}",
        text=(f"{subject.what} med risikoverdi {subject.score} ({severity(subject.score)}) er meldt til {who}. "
              "Bekreft at du har sett saken."),
        facts=[Fact(label="Enhet", value=subject.unit_name),
               Fact(label="Risiko", value=f"{subject.score} ({severity(subject.score)})")],
        actions=[Action(label="Bekreft mottatt", action_id="escalation.ack", value=str(escalation_id),
                        style="primary")],
    )


def acknowledged(original: Reply, *, by: str, when: str) -> Reply:
    """The same message, without the button and with who acknowledged it and when."""
    return original.model_copy(update={
        "actions": [], "facts": [*original.facts, Fact(label="Bekreftet", value=f"{by}, {when}")]})


def risk_review_due(ref: str, title: str, review_date: date, risk_id: int) -> Reply:
    return Reply(
        title=f"ROS-gjennomgang: {ref} {title}",
        text=f"Risikoen skal gjennomgås innen {review_date:%d.%m.%Y}. Vurder sannsynlighet, konsekvens og tiltak på nytt.",
        actions=[Action(label="Gjennomgå", action_id="risk.review", value=str(risk_id), style="primary")],
    )


def risk_review_done(ref: str, title: str, reviewer: str, on: date, risk_before: int, risk_after: int,
                     next_review: date) -> Reply:
    """The review reminder once answered: what was decided, and no button left to press."""
    return Reply(
        title=_("ROS-gjennomgang: {ref} {title} – gjennomgått").format(ref=ref, title=title),
        text=_("Gjennomgått {on} av {reviewer}: risikotall {before} før tiltak, {after} etter tiltak. "
               "Neste gjennomgang {next}.").format(on=fmt_date(on), reviewer=reviewer, before=risk_before,
                                                   after=risk_after, next=fmt_date(next_review)),
    )


def finding_deadline(kind_label: str, authority: str, description: str, deadline: date, overdue: bool,
                     finding_id: int) -> Reply:
    when = f"Fristen var {deadline:%d.%m.%Y}" if overdue else f"Fristen er {deadline:%d.%m.%Y}"
    return Reply(
        title=f"{kind_label} fra {authority}: frist {'passert' if overdue else 'nærmer seg'}",
        text=f"{when}. «{description[:300]}»",
        actions=[Action(label="Oppdater status", action_id="tilsyn.finding_update", value=str(finding_id),
                        style="primary")],
    )


def arshjul_due(title: str, kind_label: str, on: date, description: str) -> Reply:
    return Reply(
        title=f"Årshjul: {title} {on:%d.%m.%Y}",
        text=description or f"{kind_label} har frist {on:%d.%m.%Y}.",
        facts=[Fact(label="Type", value=kind_label), Fact(label="Dato", value=f"{on:%d.%m.%Y}")],
    )


def tiltak_owner(ref: str, description: str, deadline: date, tiltak_id: int) -> Reply:
    return Reply(
        title=f"Du er ansvarlig for et tiltak i {ref}",
        text=description,
        facts=[Fact(label="Frist", value=f"{deadline:%d.%m.%Y}")],
        actions=[Action(label="Marker som utført", action_id="risk_tiltak.done", value=str(tiltak_id),
                        style="primary")],
    )
