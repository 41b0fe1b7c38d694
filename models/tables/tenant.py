"""Per-kommune settings (issue 13): what each kommune chooses for itself, the environment being the default.

Why a separate table rather than columns on `organisation`: every column here is optional
(NULL = «use the environment's value»), and one row per kommune keeps the organisation row,
which every other table points at, untouched by settings changes.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.tables._common import utcnow


class OrgSettings(SQLModel, table=True):
    __tablename__ = "org_settings"
    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    locale: str | None = Field(default=None, max_length=8, description="nb | nn | en; the kommune's default language")
    slack_leadership_channel: str | None = Field(default=None, max_length=64)
    teams_leadership_conversation: str | None = Field(default=None, max_length=300)
    nudge_schedule: str | None = Field(default=None, max_length=64)
    summary_schedule: str | None = Field(default=None, max_length=64)
    deadline_reminder_schedule: str | None = Field(default=None, max_length=64)
    governance_reminder_schedule: str | None = Field(default=None, max_length=64)
    indicator_reminder_schedule: str | None = Field(default=None, max_length=64)
    varsling_alternative_contact: str | None = Field(default=None, max_length=500)
    varsling_backup_email: str | None = Field(default=None, max_length=320)
    updated_at: datetime = Field(default_factory=utcnow)
