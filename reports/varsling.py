"""The varsling section of a summary: counts only, never per case, every count under 5 suppressed.

The counts come from the varsling feature's `varsling_counts` use case, passed in (see
`reports.queries.SECTIONS`); a failure there leaves the section out rather than the summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from reports.context import SectionBuilder, SummaryContext
from reports.summary import SUPPRESSED, SUPPRESSION_LABELS, Cell, VarslingSection, suppress_small

log = logging.getLogger("trad.reports")

VarslingCounts = Callable[..., Mapping[str, Any]]


def _cell(value: Any) -> Cell:
    """A count (or the use case's own «færre enn 5») as a cell suppressed under 5, zero included."""
    if isinstance(value, int) and not isinstance(value, bool):
        return suppress_small(value, include_zero=True)
    if isinstance(value, str) and value.strip().isdigit():
        return suppress_small(int(value), include_zero=True)
    if value == SUPPRESSION_LABELS["fewer_than_5"]:
        return SUPPRESSED
    raise ValueError(f"not a count: {value!r}")


def varsling_section(counts: VarslingCounts) -> SectionBuilder:
    """The section builder over a `varsling_counts(session=, org_id=, start=, end=)` use case.

    `start`/`end` are the period's local dates (end exclusive): varsler are dated, not timed.
    """
    def build(ctx: SummaryContext) -> VarslingSection | None:
        try:
            raw = counts(session=ctx.session, org_id=ctx.org_id, start=ctx.period.start_date(),
                         end=ctx.period.end_date())
            return VarslingSection.model_construct(
                received=_cell(raw["mottatt"]), closed=_cell(raw["avsluttet"]), open_at_end=_cell(raw["apne"]),
                overdue=_cell(raw["frist_oversittet"]))
        except Exception:  # noqa: BLE001 - another feature's failure must not stop the summary
            log.warning("varsling_counts failed; the summary leaves varsling out", exc_info=True)
            return None

    return build
