"""Avvik (deviation reports), their status history and their tiltak."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class Avvik(SQLModel, table=True):
    __tablename__ = "avvik"
    __table_args__ = (
        UniqueConstraint("org_id", "number", name="uq_avvik_org_number"),
        UniqueConstraint("org_id", "idempotency_key", name="uq_avvik_org_idempotency"),
        Index("ix_avvik_org_created", "org_id", "created_at", "unit_id", "category", "status", "risk"),
        Index("ix_avvik_org_closed", "org_id", "closed_at", "unit_id", "created_at"),
        # summaries: new/closed/open-at-end per unit in one covering range scan (0003_report_indexes)
        Index("ix_avvik_org_created_closed", "org_id", "created_at", "closed_at", "unit_id"),
        Index("ix_avvik_unit_status", "unit_id", "status", "created_at"),
        Index("ix_avvik_reporter", "reporter_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    number: int = Field(description="per-organisation case number shown to users")
    category: str = Field(max_length=40)
    unit_id: int = Field(foreign_key="unit.id")
    reporter_id: int | None = Field(default=None, foreign_key="person.id")
    assignee_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    occurred_at: datetime
    location: str = Field(default="", max_length=300)
    probability: int = Field(ge=1, le=5)
    consequence: int = Field(ge=1, le=5)
    risk: int = Field(description="probability × consequence, stored so summaries can GROUP BY it")
    immediate_action: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="meldt", max_length=24)
    source: str = Field(default="chat", max_length=20)
    idempotency_key: str | None = Field(default=None, max_length=200,
                                        description="the submission's id (e.g. Slack view id), so a resubmission is one avvik")
    conclusion: str | None = Field(default=None, sa_column=Column(Text))
    effect_evaluation: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = Field(default=None)


class AvvikEvent(SQLModel, table=True):
    """Status history: every transition, with who and why, for the reporter and the audit."""

    __tablename__ = "avvik_event"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    avvik_id: int = Field(foreign_key="avvik.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=24, description="reported | taken | tiltak | closed | reopened | tiltak_done | comment")
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    comment: str | None = Field(default=None, sa_column=Column(Text))


class Tiltak(SQLModel, table=True):
    __tablename__ = "tiltak"
    __table_args__ = (Index("ix_tiltak_deadline", "org_id", "done_at", "deadline"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    avvik_id: int = Field(foreign_key="avvik.id", index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    owner_id: int = Field(foreign_key="person.id", index=True)
    deadline: date
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = Field(default=None)
    effect: str | None = Field(default=None, sa_column=Column(Text))
