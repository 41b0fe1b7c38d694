"""The typed result of a periodic summary, and the small-cell suppression rules it obeys.

Why a separate module: renderers, the CLI, posting and tests all depend on the shape,
and none of them should need to import the SQL in `reports.queries` to know it.

Suppressed figures are stored as the string «færre enn 5» *instead of* the number, so a
JSON export or a renderer can never leak the value it hides.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

SUPPRESSED = "færre enn 5"
HIDDEN = "skjult"  # secondary suppression: hidden so a suppressed cell cannot be derived from the row total

#: Categories where a count of 1–4 in a unit or sector could point at a person (a patient, a
#: colleague who was threatened, someone who broke a rule). Shown as «færre enn 5» there.
SENSITIVE_CATEGORIES: tuple[str, ...] = ("vold", "pasient", "lovbrudd", "infosikkerhet")

Count = int | str

RISK_BANDS: tuple[str, ...] = ("Lav", "Middels", "Høy", "Kritisk")


def suppress_small(value: int, *, include_zero: bool = False) -> Count:
    """1–4 becomes «færre enn 5»; with include_zero also 0 (varsling: even «none» is not said)."""
    if value < 5 and (value > 0 or include_zero):
        return SUPPRESSED
    return value


def suppress_row(cells: dict[str, int], sensitive: tuple[str, ...] = SENSITIVE_CATEGORIES) -> dict[str, Count]:
    """Primary suppression of small sensitive cells, then secondary suppression of the
    smallest other non-zero cell, so the row total does not give the hidden value away."""
    out: dict[str, Count] = dict(cells)
    primary = [k for k, v in cells.items() if k in sensitive and 0 < v < 5]
    for k in primary:
        out[k] = SUPPRESSED
    if len(primary) == 1:
        others = sorted((v, k) for k, v in cells.items() if k not in primary and v > 0)
        if others:
            out[others[0][1]] = HIDDEN
    return out


class Totals(BaseModel):
    new: int = 0
    closed: int = 0
    open_at_end: int = 0
    median_days_to_close: float | None = None


class Trend(BaseModel):
    """Change against the previous period of the same kind (positive = more than last time)."""

    previous_key: str
    previous_label: str
    previous: Totals
    new_change: int
    closed_change: int
    open_change: int
    new_change_pct: float | None = None


class UnitAvvik(BaseModel):
    unit_id: int
    unit: str
    sector: str
    new: int
    closed: int
    open_at_end: int
    categories: dict[str, Count] = Field(default_factory=dict, description="new in period per category code")


class SectorAvvik(BaseModel):
    sector_id: int
    sector: str
    new: int
    closed: int
    open_at_end: int
    median_days_to_close: float | None = None
    categories: dict[str, Count] = Field(default_factory=dict)


class ChecklistCompletion(BaseModel):
    unit_id: int
    unit: str
    sector: str
    due: int
    answered: int
    nei: int
    completion_pct: float | None


class OppdragCategory(BaseModel):
    category: str
    total: int
    by_status: dict[str, int] = Field(default_factory=dict, description="status code → count")
    by_light: dict[str, int] = Field(default_factory=dict, description="gronn | gul | rod | ingen → count")


class MonthSeries(BaseModel):
    """New avvik per month per sector, for the chart."""

    months: list[str]
    labels: list[str]
    sectors: dict[str, list[int]]


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
    totals: Totals
    trend: Trend
    by_sector: list[SectorAvvik]
    by_unit: list[UnitAvvik]
    by_category: dict[str, int]
    by_risk: dict[str, int]
    by_status: dict[str, int] = Field(description="current status of the avvik reported in the period")
    checklist_keys: list[str]
    checklists: list[ChecklistCompletion]
    checklist_due: int
    checklist_answered: int
    checklist_completion_pct: float | None
    oppdrag: list[OppdragCategory]
    oppdrag_lights: dict[str, int]
    oppdrag_total: int
    varsling: dict[str, str] | None = Field(default=None, description="counts only, already suppressed")
    series: MonthSeries
