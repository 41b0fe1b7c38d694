"""Oppdrag (assignments from the oppdragsbrev or political decisions), delegation and status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class Oppdrag(SQLModel, table=True):
    __tablename__ = "oppdrag"
    __table_args__ = (
        UniqueConstraint("org_id", "number", name="uq_oppdrag_org_number"),
        Index("ix_oppdrag_owner", "owner_id", "status"),
        Index("ix_oppdrag_org_status", "org_id", "category", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    number: int = Field(description="per-organisation number users type: 'oppdrag 12'")
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    category: str = Field(max_length=80)
    owner_id: int = Field(foreign_key="person.id")
    parent_id: int | None = Field(default=None, foreign_key="oppdrag.id", index=True)
    deadline: date | None = Field(default=None)
    status: str = Field(default="ikke_startet", max_length=16)
    progress: int = Field(default=0, ge=0, le=100)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_status_at: datetime | None = Field(default=None, description="time of the last status update by a person")
    goal_id: int | None = Field(default=None, foreign_key="plan_goal.id", index=True)
    oppdragsbrev_id: int | None = Field(default=None, foreign_key="oppdragsbrev.id", index=True)


class OppdragUnit(SQLModel, table=True):
    """Delegation of an oppdrag down the line to a unit."""

    __tablename__ = "oppdrag_unit"
    oppdrag_id: int = Field(foreign_key="oppdrag.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class OppdragUpdate(SQLModel, table=True):
    __tablename__ = "oppdrag_update"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    oppdrag_id: int = Field(foreign_key="oppdrag.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    status: str = Field(max_length=16)
    progress: int
    comment: str | None = Field(default=None, sa_column=Column(Text))
