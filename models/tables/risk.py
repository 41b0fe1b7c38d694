"""The ROS register: risks per unit (optionally per process or goal), their tiltak, the avvik
that realised them, and the escalations sent to the line above with their acknowledgements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class Risk(SQLModel, table=True):
    """One risk. Scores are stored with their product so the matrix is one GROUP BY."""

    __tablename__ = "risk"
    __table_args__ = (
        UniqueConstraint("org_id", "number", name="uq_risk_org_number"),
        # the matrix per unit is an index-only GROUP BY; top risks for the kommune read the index in order
        Index("ix_risk_unit_matrix", "unit_id", "status", "probability_before", "consequence_before",
              "probability_after", "consequence_after"),
        Index("ix_risk_org_top", "org_id", "status", "risk_before"),
        Index("ix_risk_review_due", "status", "review_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    number: int = Field(description="per-organisation number shown to users (RO-12)")
    unit_id: int = Field(foreign_key="unit.id")
    process: str = Field(default="", max_length=200, description="the process or activity the risk belongs to")
    goal_id: int | None = Field(default=None, description="the goal it threatens (plain id until goals exist)")
    title: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    cause: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    consequence_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    probability_before: int = Field(ge=1, le=5)
    consequence_before: int = Field(ge=1, le=5)
    risk_before: int
    probability_after: int = Field(ge=1, le=5)
    consequence_after: int = Field(ge=1, le=5)
    risk_after: int
    treatment: str = Field(max_length=16, description="avoid | reduce | share | accept")
    owner_id: int = Field(foreign_key="person.id", index=True)
    review_date: date
    status: str = Field(default="aktiv", max_length=16, description="aktiv | lukket")
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    reviewed_at: datetime | None = Field(default=None)
    closed_at: datetime | None = Field(default=None)


class RiskTiltak(SQLModel, table=True):
    __tablename__ = "risk_tiltak"
    __table_args__ = (Index("ix_risk_tiltak_owner", "owner_id", "done_at", "deadline"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    risk_id: int = Field(foreign_key="risk.id", index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    owner_id: int = Field(foreign_key="person.id")
    deadline: date
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = Field(default=None)


class RiskAvvikLink(SQLModel, table=True):
    """An avvik that realised a risk. Kept apart from the avvik table: an avvik realises at most one risk."""

    __tablename__ = "risk_avvik_link"
    avvik_id: int = Field(foreign_key="avvik.id", primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    risk_id: int = Field(foreign_key="risk.id", index=True)
    linked_by_id: int | None = Field(default=None, foreign_key="person.id")
    linked_at: datetime = Field(default_factory=utcnow)


class RiskEscalation(SQLModel, table=True):
    """A serious risk or avvik sent to a kommunalsjef or the kommunedirektør, once per recipient."""

    __tablename__ = "risk_escalation"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "recipient_id", name="uq_risk_escalation"),
        Index("ix_risk_escalation_recipient", "recipient_id", "acknowledged_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    subject: str = Field(max_length=8, description="risk | avvik")
    subject_id: int
    level: str = Field(max_length=8, description="sector | top")
    recipient_id: int = Field(foreign_key="person.id")
    score: int
    sent_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = Field(default=None)
