"""The typed reports for the politicians: the tertialrapport and the § 25-1 internkontroll report.

Why typed: the JSON export is `model_dump_json()` of these models, docs/reports.md is its
schema, and the HTML and DOCX renderers read the same objects. The figures that the periodic
summary also has are the summary's own section models (`reports.summary`), embedded as
they are, so a report and a summary of the same period can never disagree.
A part that cannot be shown is null, and `omitted` says why (section name → reason).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from reports.risiko import RiskPicture
from reports.summary import AvvikChange, AvvikSection, InternkontrollSection, OppdragSection, VarslingSection

# --------------------------------------------------------------------------- shared parts


class FindingPart(BaseModel):
    kind: str = Field(description="avvik | merknad | palegg")
    kind_label: str
    description: str
    deadline: date
    tiltak: str
    status: str = Field(description="apen | under_arbeid | lukket")
    status_label: str
    overdue: bool = Field(description="open with the deadline passed on `as_of`")


class TilsynPart(BaseModel):
    authority: str
    held_on: date
    theme: str
    unit: str
    findings: list[FindingPart]


class TilsynOverview(BaseModel):
    """Tilsyn held in the report's period, with counts of their findings; status as of `status_as_of`."""

    status_as_of: date = Field(description="the day the statuses were read (overdue is against this day)")
    tilsyn: list[TilsynPart]
    findings_by_kind: dict[str, int] = Field(description="avvik / merknad / palegg → count")
    findings_by_status: dict[str, int] = Field(description="apen / under_arbeid / lukket → count")
    overdue: int


class ChecklistSector(BaseModel):
    """The summary's per-unit checklist completion summed per sector."""

    sector: str
    units: int
    due: int
    answered: int
    completion_pct: float | None


class SamePeriodLastYear(BaseModel):
    """Avvik of the same period a year earlier (the summary's figures for that period)."""

    period_key: str
    period_label: str
    new: int
    closed: int
    open_at_end: int
    median_days_to_close: float | None
    change: AvvikChange = Field(description="this period minus that one")


# --------------------------------------------------------------------------- tertialrapport


class PerspectiveLights(BaseModel):
    perspective: str
    gronn: int
    gul: int
    rod: int
    ingen: int


class RedIndicator(BaseModel):
    perspective: str
    goal: str
    name: str
    period: str
    value: float | None
    target: float | None
    red_limit: float | None


class StyringskortPart(BaseModel):
    """The kommune's card for the tertial: trafikklys per perspective, and every red indicator."""

    perspectives: list[PerspectiveLights]
    red: list[RedIndicator]


class ReportHeader(BaseModel):
    org_id: int
    org_name: str
    period_key: str
    period_label: str
    as_of: date = Field(description="the period's last day, or today if it is still running")
    generated_at: datetime


class TertialReport(ReportHeader):
    report: Literal["tertial"] = "tertial"
    styringskort: StyringskortPart | None
    oppdrag: OppdragSection
    avvik: AvvikSection
    avvik_same_period_last_year: SamePeriodLastYear
    risk: RiskPicture
    tilsyn: TilsynOverview
    checklists: InternkontrollSection
    omitted: dict[str, str] = Field(default_factory=dict, description="section → why it is null")


# --------------------------------------------------------------------------- § 25-1 internkontroll


class AreaRow(BaseModel):
    """New avvik of the year in one category (area), per risk band."""

    category: str
    label: str
    total: int
    by_severity: dict[str, int]


class DeadlineShare(BaseModel):
    rule: str = Field(description="the definition, in Norwegian, as printed in the report")
    default_days: int = Field(description="the deadline in days for an avvik without tiltak")
    closed: int = Field(description="avvik closed in the year (= avvik.period.closed)")
    within: int
    with_tiltak: int = Field(description="of the closed: measured against their tiltak deadline")
    share_pct: float | None


class CategoryImprovement(BaseModel):
    category: str
    label: str
    closed: int
    with_effect_evaluation: int
    tiltak_done: int


class DoneRiskTiltak(BaseModel):
    risk_ref: str
    risk_title: str
    unit: str
    description: str
    done_on: date


class ClosedFinding(BaseModel):
    authority: str
    theme: str
    unit: str
    kind_label: str
    tiltak: str
    closed_on: date


class Improvements(BaseModel):
    """What was made better in the year: closed avvik and their tiltak (counts only, no avvik text),
    completed ROS tiltak and closed tilsyn findings (the register's own texts)."""

    avvik_closed: int
    avvik_with_effect_evaluation: int
    avvik_tiltak_done: int
    by_category: list[CategoryImprovement]
    risk_tiltak_done: list[DoneRiskTiltak]
    findings_closed: list[ClosedFinding]


class InternkontrollReport(ReportHeader):
    report: Literal["internkontroll"] = "internkontroll"
    year: int
    avvik: AvvikSection
    avvik_by_area: list[AreaRow]
    closed_within_deadline: DeadlineShare
    risk: RiskPicture
    tilsyn: TilsynOverview
    checklists: InternkontrollSection
    checklists_by_sector: list[ChecklistSector]
    varsling: VarslingSection | None
    improvements: Improvements
    omitted: dict[str, str] = Field(default_factory=dict, description="section → why it is null")
