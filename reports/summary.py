"""The typed result of a periodic summary, and the small-cell suppression rules it obeys.

Why a separate module: renderers, the CLI, posting, the platform cards and tests all depend
on the shape, and none of them should need to import the SQL to know it.

One section per subject (`avvik`, `internkontroll`, `oppdrag`, `varsling`, `styringskort`, `risiko`), each with named
figures; the JSON export is `Summary.model_dump_json()` and docs/summaries.md is its schema.
A suppressed cell holds no number at all (`count: null`) and says why (`suppressed`), so a
JSON export or a renderer can never leak the value it hides.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.i18n import N_, _
from reports.risiko_shape import RiskPicture

SuppressionReason = Literal["fewer_than_5", "secondary"]

#: How each reason is shown to people, in every format (bokmål; `Cell.shown()` translates).
SUPPRESSION_LABELS: dict[str, str] = {"fewer_than_5": N_("færre enn 5"), "secondary": N_("skjult")}

#: Categories where a count of 1–4 in a unit or sector could point at a person (a patient, a
#: colleague who was threatened, someone who broke a rule). Shown as «færre enn 5» there.
SENSITIVE_CATEGORIES: tuple[str, ...] = ("vold", "pasient", "lovbrudd", "infosikkerhet")

#: The ROS bands: keys of `AvvikSection.by_risk` (bokmål) and, through `_()`, the words shown.
RISK_BANDS: tuple[str, ...] = (N_("Lav"), N_("Middels"), N_("Høy"), N_("Kritisk"))


class Cell(BaseModel):
    """A count that may be suppressed: then `count` is None and `suppressed` gives the reason."""

    model_config = ConfigDict(frozen=True)

    count: int | None
    suppressed: SuppressionReason | None = None

    def shown(self) -> str:
        """The cell as people see it, in their language: the number, or «færre enn 5» / «skjult»."""
        return _(SUPPRESSION_LABELS[self.suppressed]) if self.suppressed else str(self.count)


SUPPRESSED = Cell(count=None, suppressed="fewer_than_5")
HIDDEN = Cell(count=None, suppressed="secondary")  # hidden so a suppressed cell cannot be derived from the row total


@cache
def counted(n: int) -> Cell:
    """An unsuppressed cell; cells are frozen, so one instance per value is shared."""
    return Cell(count=n)


def suppress_small(value: int, *, include_zero: bool = False) -> Cell:
    """1–4 becomes «færre enn 5»; with include_zero also 0 (varsling: even «none» is not said)."""
    if value < 5 and (value > 0 or include_zero):
        return SUPPRESSED
    return counted(value)


def suppress_row(cells: dict[str, int], sensitive: tuple[str, ...] = SENSITIVE_CATEGORIES) -> dict[str, Cell]:
    """Primary suppression of small sensitive cells, then secondary suppression of the
    smallest other non-zero cell, so the row total does not give the hidden value away."""
    out = {k: counted(v) for k, v in cells.items()}
    primary = [k for k, v in cells.items() if k in sensitive and 0 < v < 5]
    for k in primary:
        out[k] = SUPPRESSED
    if len(primary) == 1:
        others = sorted((v, k) for k, v in cells.items() if k not in primary and v > 0)
        if others:
            out[others[0][1]] = HIDDEN
    return out


# --------------------------------------------------------------------------- avvik

class AvvikCounts(BaseModel):
    """Avvik reported in, closed in, and still open at the end of one period."""

    new: int = 0
    closed: int = 0
    open_at_end: int = 0
    median_days_to_close: float | None = None


class PreviousAvvik(BaseModel):
    """The same figures for the previous period of the same kind."""

    period_key: str
    period_label: str
    new: int = 0
    closed: int = 0
    open_at_end: int = 0
    median_days_to_close: float | None = None
    months: int = Field(default=12, description="months in the previous period")
    months_with_data: int | None = Field(
        default=None, description="months of the previous period on or after the kommune's first avvik; "
                                  "fewer than `months` means the comparison covers only those")


class AvvikChange(BaseModel):
    """This period minus the previous one (positive = more than last time)."""

    new: int
    closed: int
    open_at_end: int
    new_pct: float | None = None


class SectorAvvik(BaseModel):
    sector_id: int
    sector: str
    new: int
    closed: int
    open_at_end: int
    median_days_to_close: float | None = None
    categories: dict[str, Cell] = Field(default_factory=dict, description="new in period per category code")


class UnitAvvik(BaseModel):
    unit_id: int
    unit: str
    sector: str
    new: int
    closed: int
    open_at_end: int
    categories: dict[str, Cell] = Field(default_factory=dict, description="new in period per category code")


class MonthSeries(BaseModel):
    """New avvik per month per sector, for the chart."""

    months: list[str]
    labels: list[str]
    sectors: dict[str, list[int]]


class AvvikSection(BaseModel):
    period: AvvikCounts
    previous: PreviousAvvik
    change: AvvikChange
    by_sector: list[SectorAvvik]
    by_unit: list[UnitAvvik]
    by_category: dict[str, int] = Field(description="new in period per category code")
    by_risk: dict[str, int] = Field(description="new in period per risk band")
    by_status: dict[str, int] = Field(description="current status of the avvik reported in the period")
    per_month: MonthSeries


# --------------------------------------------------------------------------- internkontroll

class ChecklistCompletion(BaseModel):
    unit_id: int
    unit: str
    sector: str
    due: int
    answered: int
    nei: int
    completion_pct: float | None


class InternkontrollSection(BaseModel):
    checklist_keys: list[str] = Field(description="the checklist run periods inside the summary period")
    due: int
    answered: int
    completion_pct: float | None
    by_unit: list[ChecklistCompletion]


# --------------------------------------------------------------------------- oppdrag

class TrafficLights(BaseModel):
    gronn: int = 0
    gul: int = 0
    rod: int = 0
    ingen: int = 0


class OppdragCategory(BaseModel):
    category: str
    total: int
    by_status: dict[str, int] = Field(default_factory=dict, description="status code → count")
    by_light: dict[str, int] = Field(default_factory=dict, description="gronn | gul | rod | ingen → count, if any")


class OppdragSection(BaseModel):
    total: int
    by_light: TrafficLights
    by_category: list[OppdragCategory]


# --------------------------------------------------------------------------- varsling

class VarslingSection(BaseModel):
    """Counts only; every count under 5, zero included, is suppressed."""

    received: Cell
    closed: Cell
    open_at_end: Cell
    overdue: Cell


# --------------------------------------------------------------------------- styringskort

class LightCounts(BaseModel):
    gronn: int = 0
    gul: int = 0
    rod: int = 0
    ingen: int = 0


class PerspectiveLights(BaseModel):
    perspective: str
    lights: LightCounts = Field(description="the kommune card's indicators per trafikklys")


class RedIndicator(BaseModel):
    indicator: str
    perspective: str
    unit_id: int
    unit: str = Field(description="the unit path")
    period: str = Field(description="the indicator's own period shown")
    measure: str
    value: float
    target: float | None
    red_limit: float | None


class GoalIndicator(BaseModel):
    indicator: str
    light: Literal["grønn", "gul", "rød", "ingen"]
    value: float | None
    target: float | None
    measure: str
    period: str


class GoalOppdrag(BaseModel):
    status: str = Field(description="oppdrag status code")
    numbers: list[int] = Field(description="the oppdrag numbers with that status")


class GoalLine(BaseModel):
    goal_id: int
    goal: str
    parent: str | None = Field(description="the mål above a delmål")
    perspective: str
    oppdrag: list[GoalOppdrag] = Field(description="the goal's oppdrag grouped by status")
    indicators: list[GoalIndicator] = Field(description="the goal's indicators on the kommune card")


class StyringskortSection(BaseModel):
    """Tertial and year summaries only. With no plan the lists are null and `reason` says why."""

    card_period: str
    reason: Literal["no_plan"] | None = None
    perspectives: list[PerspectiveLights] | None
    red: list[RedIndicator] | None = Field(description="every unit's own red indicator value")
    goals: list[GoalLine] | None


# --------------------------------------------------------------------------- the summary

class Summary(BaseModel):
    org_id: int
    org_name: str
    period_key: str
    period_kind: str
    period_label: str
    start_utc: datetime
    end_utc: datetime
    as_of: date
    generated_at: datetime
    avvik: AvvikSection
    internkontroll: InternkontrollSection
    oppdrag: OppdragSection
    varsling: VarslingSection | None = Field(default=None, description="None when the figures are not available")
    styringskort: StyringskortSection | None = Field(default=None, description="None in month summaries")
    risiko: RiskPicture | None = Field(default=None, description="the risk matrix; None in month summaries")
