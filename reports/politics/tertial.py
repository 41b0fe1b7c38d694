"""The tertialrapport: what the kommunedirektør reports to the politicians three times a year.

Built from the periodic summary of the same tertial (`reports.queries.build_summary`): its
avvik, oppdrag and checklist sections are embedded as they are. Added here: the styringskort
by perspective, avvik of the same tertial last year, the risk picture and the tilsyn.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from models.errors import ValidationFailed
from models.i18n import N_, _
from models.periods import Period, local_date, parse_period
from models.tables._common import utcnow
from reports.politics.model import TertialReport
from reports.politics.parts import same_period_last_year, styringskort_part, tilsyn_overview
from reports.queries import build_summary
from reports.risiko import risk_picture
from reports.summary import Summary

NO_GOALS = N_("Ingen mål med indikatorer er registrert ennå.")


def tertial_period(text: str) -> Period:
    """A tertial key like 2026-T2; anything else gets a message that says what to write."""
    period = parse_period(text)
    if period.kind != "tertial":
        raise ValidationFailed({"period": _("Tertialrapporten gjelder et tertial, ikke «{text}». "
                                            "Bruk f.eks. 2026-T2 (mai–august 2026).").format(text=text.strip()[:40])})
    return period


def build_tertial_report(*, session: Session, org_id: int, period: Period, tz_name: str = "Europe/Oslo",
                         now: datetime | None = None) -> tuple[TertialReport, Summary]:
    """The report and the summary it was built from (the renderers draw the summary's chart)."""
    now = now or utcnow()
    summary = build_summary(session=session, org_id=org_id, period=period, tz_name=tz_name, now=now)
    today = local_date(now, tz_name)  # the register and the findings as they stand now
    card = styringskort_part(session, org_id, period)
    report = TertialReport(
        org_id=org_id, org_name=summary.org_name, period_key=period.key, period_label=period.label,
        as_of=summary.as_of, generated_at=now, styringskort=card, oppdrag=summary.oppdrag, avvik=summary.avvik,
        avvik_same_period_last_year=same_period_last_year(session, org_id, period, summary.avvik, tz_name, now),
        risk=risk_picture(session, org_id, today),
        tilsyn=tilsyn_overview(session, org_id, period, today),
        checklists=summary.internkontroll,
        omitted={} if card is not None else {"styringskort": NO_GOALS})
    return report, summary
