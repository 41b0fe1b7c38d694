"""Pre-aggregated counts the periodic summaries read instead of scanning every avvik and answer (issue 15).

Kept in step by database triggers (migration 0015_growth_summary_counts), never by application code:
every insert, update and delete of an avvik or a checklist answer moves these counters in the same
transaction, whatever code path (or bulk load) makes it. Months are UTC calendar months ('YYYY-MM');
a summary period in local time is the sum of its UTC months corrected at each edge by the few
avvik in the hour or two between local and UTC midnight (`reports.avvik_counts`).

No foreign keys: a counter row may stay at zero after its unit is gone, and must not block that.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class AvvikMonth(SQLModel, table=True):
    """Avvik reported (`n_new`) and closed (`n_closed`) per unit, UTC month of that event and category."""

    __tablename__ = "avvik_month"
    org_id: int = Field(primary_key=True)
    month: str = Field(primary_key=True, max_length=7)
    unit_id: int = Field(primary_key=True)
    category: str = Field(primary_key=True, max_length=40)
    n_new: int = Field(default=0)
    n_closed: int = Field(default=0)


class AvvikMonthStatus(SQLModel, table=True):
    """Avvik reported per UTC month by their current status and risk score (the summary's status and risk bands)."""

    __tablename__ = "avvik_month_status"
    org_id: int = Field(primary_key=True)
    month: str = Field(primary_key=True, max_length=7)
    status: str = Field(primary_key=True, max_length=24)
    risk: int = Field(primary_key=True)
    n: int = Field(default=0)


class AvvikOpen(SQLModel, table=True):
    """Avvik open now (closed_at IS NULL) per unit: «open at the end» of a period is this less what came after."""

    __tablename__ = "avvik_open"
    org_id: int = Field(primary_key=True)
    unit_id: int = Field(primary_key=True)
    n: int = Field(default=0)


class ChecklistRunTally(SQLModel, table=True):
    """Answers and «nei» answers of one checklist run."""

    __tablename__ = "checklist_run_tally"
    run_id: int = Field(primary_key=True)
    answered: int = Field(default=0)
    nei: int = Field(default=0)
