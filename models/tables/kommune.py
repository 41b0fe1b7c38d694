"""A kommune's own settings: the avvik categories it offers, its logo.
(The varsling alternative channel is in `org_settings`, with the kommune's other settings.)

One row per kommune (`org_id`), made on the first change; with no row the environment's values
apply. The name lives on `organisation` and the varslingsrutine in `varsling_rutine` (versioned).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class KommuneSettings(SQLModel, table=True):
    __tablename__ = "kommune_settings"
    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    avvik_categories: list | None = Field(default=None, sa_column=Column(JSON),
                                          description="the offered category codes, in order; None: all")
    logo: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    logo_type: str | None = Field(default=None, max_length=40)
    updated_at: datetime = Field(default_factory=utcnow)
