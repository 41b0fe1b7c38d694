"""The plan: perspectives, goals (mål → delmål), indicators, their yearly targets and reported values.

Trafikklys are never stored: they are derived from a value and the target of its year
(models.indicator_rules), so a corrected target re-colours history at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class Perspective(SQLModel, table=True):
    """A balanced-scorecard perspective; each kommune has its own (default: the three of Øyer)."""

    __tablename__ = "plan_perspective"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_plan_perspective_org_name"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    name: str = Field(max_length=80)
    position: int = Field(default=0)


class Goal(SQLModel, table=True):
    """A mål (parent_id None) or a delmål under one."""

    __tablename__ = "plan_goal"
    __table_args__ = (Index("ix_plan_goal_org_title", "org_id", "title"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    perspective_id: int = Field(foreign_key="plan_perspective.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="plan_goal.id", index=True)
    title: str = Field(max_length=300)
    position: int = Field(default=0)


class Indicator(SQLModel, table=True):
    """A styringsindikator. Codes: measure %|antall|dager|kr|poeng, direction hoy|lav,
    frequency month|tertial|year (the kinds of models.periods), rollup sum|mean|weighted."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_indicator_org_name"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    goal_id: int = Field(foreign_key="plan_goal.id", index=True)
    name: str = Field(max_length=200)
    measure: str = Field(max_length=10)
    direction: str = Field(max_length=4)
    frequency: str = Field(max_length=8)
    rollup: str = Field(default="mean", max_length=10)
    position: int = Field(default=0)
    active: bool = Field(default=True)


class IndicatorUnit(SQLModel, table=True):
    """A unit that reports an indicator (its leaders enter the values)."""

    __tablename__ = "indicator_unit"
    __table_args__ = (Index("ix_indicator_unit_unit", "unit_id", "indicator_id"),)
    indicator_id: int = Field(foreign_key="indicator.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")


class IndicatorTarget(SQLModel, table=True):
    """Ambisjonsnivå and red limit for one year; a year without a row uses the latest earlier one."""

    __tablename__ = "indicator_target"
    __table_args__ = (UniqueConstraint("indicator_id", "year", name="uq_indicator_target_year"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    indicator_id: int = Field(foreign_key="indicator.id")
    year: int
    target: float
    red_limit: float | None = Field(default=None)


class IndicatorValue(SQLModel, table=True):
    """The current value of one indicator for one unit and period (key as models.periods: 2026-11, 2026-T3, 2026)."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "unit_id", "period", name="uq_indicator_value_cell"),
        # The styringskort reads one or two periods of many indicators and units: covering.
        Index("ix_indicator_value_org_period", "org_id", "period", "indicator_id", "unit_id", "value"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    indicator_id: int = Field(foreign_key="indicator.id")
    unit_id: int = Field(foreign_key="unit.id")
    period: str = Field(max_length=8)
    value: float
    comment: str | None = Field(default=None, sa_column=Column(Text))
    entered_by_id: int | None = Field(default=None, foreign_key="person.id")
    entered_at: datetime = Field(default_factory=utcnow)


class IndicatorValueRevision(SQLModel, table=True):
    """A value as it was before a correction: the history a correction keeps."""

    __tablename__ = "indicator_value_revision"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    value_id: int = Field(foreign_key="indicator_value.id", index=True)
    value: float
    comment: str | None = Field(default=None, sa_column=Column(Text))
    entered_by_id: int | None = Field(default=None, foreign_key="person.id")
    entered_at: datetime
    replaced_by_id: int | None = Field(default=None, foreign_key="person.id")
    replaced_at: datetime = Field(default_factory=utcnow)


class PlanVersion(SQLModel, table=True):
    """A per-kommune counter that moves with every write a styringskort reads (values, indicators,
    targets, goals, perspectives, units, the staff behind weights, the kommune's name).

    Database triggers bump it in the writing transaction itself (migration 0014), so every web
    worker sees a new number on its very next read and may keep a card only as a memo of one
    version (`reports/styringskort_cache.py`); no code path can forget to bump it.
    """

    __tablename__ = "plan_version"
    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    version: int = Field(default=0)
    structure: int = Field(default=0)  # moves with plan and unit writes only, not with values or people
    # PostgreSQL: the transactions that last moved each counter (a transaction bumps at most once).
    vtx: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    stx: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
