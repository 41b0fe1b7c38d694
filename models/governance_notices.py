"""Messages for escalations and governance reminders, as neutral `Reply` objects (see models/notices.py).

Each is built in its recipient's language (`outbox.enqueue` runs the builder inside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.i18n import _, fmt_date
from models.messages import Action, Fact, Reply
from models.risk import severity_label


@dataclass(frozen=True)
class EscalationSubject:
    """What is escalated: a risk (RO-3) or an avvik (AV-12)."""

    ref: str
    title: str
    unit_name: str
    score: int
    what: str  # N_("Risiko") | N_("Avvik"): translated where shown


def escalation(subject: EscalationSubject, *, level: str, escalation_id: int) -> Reply:
    who = _("kommunedirektøren") if level == "top" else _("kommunalsjefen for sektoren")
    band = severity_label(subject.score)
    title = (_("Alvorlig risiko {ref}: {title}") if subject.what == "Risiko"
             else _("Alvorlig avvik {ref}: {title}")).format(ref=subject.ref, title=subject.title)
    text = (_("Risiko med risikoverdi {score} ({band}) er meldt til {who}. Bekreft at du har sett saken.")
            if subject.what == "Risiko" else
            _("Avvik med risikoverdi {score} ({band}) er meldt til {who}. Bekreft at du har sett saken."))
    return Reply(
        title=title,
        text=text.format(score=subject.score, band=band, who=who),
        facts=[Fact(label=_("Enhet"), value=subject.unit_name),
               Fact(label=_("Risiko"), value=f"{subject.score} ({band})")],
        actions=[Action(label=_("Bekreft mottatt"), action_id="escalation.ack", value=str(escalation_id),
                        style="primary")],
    )


def acknowledged(original: Reply, *, by: str, when: str) -> Reply:
    """The same message, without the button and with who acknowledged it and when."""
    return original.model_copy(update={
        "actions": [], "facts": [*original.facts, Fact(label=_("Bekreftet"), value=f"{by}, {when}")]})


def risk_review_due(ref: str, title: str, review_date: date, risk_id: int) -> Reply:
    return Reply(
        title=_("ROS-gjennomgang: {ref} {title}").format(ref=ref, title=title),
        text=_("Risikoen skal gjennomgås innen {date}. Vurder sannsynlighet, konsekvens og tiltak på nytt.").format(
            date=fmt_date(review_date)),
        actions=[Action(label=_("Gjennomgå"), action_id="risk.review", value=str(risk_id), style="primary")],
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
    """`kind_label` and `authority` are already in the recipient's language (or as the kommune wrote them)."""
    when = (_("Fristen var {date}") if overdue else _("Fristen er {date}")).format(date=fmt_date(deadline))
    title = (_("{kind} fra {authority}: frist passert") if overdue
             else _("{kind} fra {authority}: frist nærmer seg")).format(kind=kind_label, authority=authority)
    return Reply(
        title=title,
        text=f"{when}. «{description[:300]}»",
        actions=[Action(label=_("Oppdater status"), action_id="tilsyn.finding_update", value=str(finding_id),
                        style="primary")],
    )


def arshjul_due(title: str, kind_label: str, on: date, description: str) -> Reply:
    return Reply(
        title=_("Årshjul: {title} {date}").format(title=title, date=fmt_date(on)),
        text=description or _("{kind} har frist {date}.").format(kind=kind_label, date=fmt_date(on)),
        facts=[Fact(label=_("Type"), value=kind_label), Fact(label=_("Dato"), value=fmt_date(on))],
    )


def tiltak_owner(ref: str, description: str, deadline: date, tiltak_id: int) -> Reply:
    return Reply(
        title=_("Du er ansvarlig for et tiltak i {ref}").format(ref=ref),
        text=description,
        facts=[Fact(label=_("Frist"), value=fmt_date(deadline))],
        actions=[Action(label=_("Marker som utført"), action_id="risk_tiltak.done", value=str(tiltak_id),
                        style="primary")],
    )
