"""Read side of the periodic summaries: `build_summary` and the registry of its sections.

Every figure comes from a SQL aggregate, in the subject's own module (`reports.avvik`,
`reports.internkontroll`, `reports.oppdrag`, `reports.varsling`,
`reports.styringskort_summary`, `reports.risiko`). A section is a function of
the shared `SummaryContext`; `SECTIONS` names them explicitly, in order. A new subject adds
its module, a field on `Summary` of the same name, and an entry here (see docs/summaries.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from models.periods import Period, parse_period
from models.services.varsling_retention import varsling_counts
from models.tables._common import utcnow
from reports.avvik import build_avvik, chart_months, risk_band_expr
from reports.context import SectionBuilder, make_context, org_name
from reports.internkontroll import build_internkontroll, checklist_keys
from reports.oppdrag import build_oppdrag, traffic_light_expr
from reports.risiko import build_risiko
from reports.styringskort_summary import build_styringskort
from reports.summary import Summary
from reports.varsling import varsling_section

#: The summary's sections by field name of `Summary`, in the order they are built.
SECTIONS: Mapping[str, SectionBuilder] = {
    "avvik": build_avvik,
    "internkontroll": build_internkontroll,
    "oppdrag": build_oppdrag,
    "varsling": varsling_section(varsling_counts),
    "styringskort": build_styringskort,
    "risiko": build_risiko,
}


def build_summary(*, session: Session, org_id: int, period: Period | str, tz_name: str = "Europe/Oslo",
                  now: datetime | None = None, sections: Mapping[str, SectionBuilder] = SECTIONS) -> Summary:
    """All figures of one period's summary, before rendering.

    `sections` picks the sections to build (a section left out is None, which only the
    optional ones may be); the benchmark leaves varsling out this way.
    """
    if isinstance(period, str):
        period = parse_period(period)
    now = now or utcnow()
    ctx = make_context(session, org_id, period, tz_name, now)
    values: dict[str, Any] = dict(
        org_id=org_id, org_name=org_name(session, org_id), period_key=period.key, period_kind=period.kind,
        period_label=period.label, start_utc=ctx.bounds[0], end_utc=ctx.bounds[1], as_of=ctx.as_of,
        generated_at=now)
    values.update((name, build(ctx)) for name, build in sections.items())
    return Summary.model_construct(**values)


__all__ = ["SECTIONS", "build_summary", "chart_months", "checklist_keys", "risk_band_expr", "traffic_light_expr"]
