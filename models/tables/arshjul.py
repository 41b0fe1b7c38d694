"""The årshjul (yearly governance calendar) and the private iCalendar feed tokens (hashes only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class ArshjulActivity(SQLModel, table=True):
    """A governance activity: on `on_date`, or on its day and month every year when `yearly`."""

    __tablename__ = "arshjul_activity"
    __table_args__ = (Index("ix_arshjul_org_active", "org_id", "active", "on_date"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    kind: str = Field(default="annet", max_length=24, description="tertialrapport | sjekkliste | ros | budsjett | …")
    on_date: date
    yearly: bool = Field(default=True)
    responsible_role: str = Field(max_length=32, description="the role whose holders are responsible")
    unit_id: int | None = Field(default=None, foreign_key="unit.id", description="only role holders in this subtree")
    lead_days: int = Field(default=14, ge=0, le=365)
    active: bool = Field(default=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class CalendarFeedToken(SQLModel, table=True):
    """A person's private .ics feed. Only the SHA-256 of the token is stored; revoked tokens stay for the audit."""

    __tablename__ = "calendar_feed_token"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = Field(default=None)
