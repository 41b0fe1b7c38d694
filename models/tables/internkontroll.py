"""Internkontroll checklists: template (purpose → type → item), per-unit runs per period, answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class ChecklistTemplate(SQLModel, table=True):
    """A checklist; `version` rises when a published template is edited (its old items stay, retired)."""

    __tablename__ = "checklist_template"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    recurrence: str = Field(default="tertial", max_length=12, description="month | tertial | year | once")
    active: bool = Field(default=True)
    version: int = Field(default=1)
    due_day: int | None = Field(default=None, description="day of the period's last month the answers are due")
    publish_on: date | None = Field(default=None, description="leaders see it from this day; None: already")
    scope: str = Field(default="all", max_length=12, description="all | sector | units")
    created_by_id: int | None = Field(default=None, foreign_key="person.id")


class ChecklistTemplateUnit(SQLModel, table=True):
    """The sector (scope «sector») or the chosen units (scope «units») a template is for."""

    __tablename__ = "checklist_template_unit"
    template_id: int = Field(foreign_key="checklist_template.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class ChecklistItem(SQLModel, table=True):
    __tablename__ = "checklist_item"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    template_id: int = Field(foreign_key="checklist_template.id", index=True)
    purpose: str = Field(max_length=120)
    type: str = Field(max_length=120)
    text: str = Field(max_length=500)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    version: int = Field(default=1, description="the template version this wording first appeared in")
    introduced_at: datetime | None = Field(default=None, description="when a later version added it; None: from the start")
    retired_at: datetime | None = Field(default=None, description="when a new version retired it (active False)")


class ChecklistRun(SQLModel, table=True):
    """One unit's checklist for one period; created when the first answer comes in."""

    __tablename__ = "checklist_run"
    __table_args__ = (
        UniqueConstraint("template_id", "unit_id", "period", name="uq_checklist_run"),
        Index("ix_checklist_run_org_period", "org_id", "period", "unit_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    template_id: int = Field(foreign_key="checklist_template.id")
    unit_id: int = Field(foreign_key="unit.id")
    period: str = Field(max_length=10, description="2026-11 | 2026-T3 | 2026")
    created_at: datetime = Field(default_factory=utcnow)


class ChecklistAnswer(SQLModel, table=True):
    __tablename__ = "checklist_answer"
    __table_args__ = (
        UniqueConstraint("run_id", "item_id", name="uq_checklist_answer"),
        Index("ix_checklist_answer_org_answered", "org_id", "answered_at", "run_id", "answer"),
        # summaries: answers per run, with the answer, without touching the table (0003_report_indexes)
        Index("ix_checklist_answer_run_item_answer", "run_id", "item_id", "answer"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    run_id: int = Field(foreign_key="checklist_run.id")
    item_id: int = Field(foreign_key="checklist_item.id")
    answer: str = Field(max_length=16, description="ja | nei | ikke_relevant")
    comment: str | None = Field(default=None, sa_column=Column(Text))
    answered_by_id: int | None = Field(default=None, foreign_key="person.id")
    answered_at: datetime = Field(default_factory=utcnow)
    avvik_id: int | None = Field(default=None, foreign_key="avvik.id")
