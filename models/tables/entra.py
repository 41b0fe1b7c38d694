"""What the Entra ID sync remembers between runs: the delta link, and which directory user is which person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class EntraSyncState(SQLModel, table=True):
    """One row per kommune: the deltaLink Graph gave at the end of the last applied sync."""

    __tablename__ = "entra_sync_state"
    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    delta_link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    synced_at: datetime = Field(default_factory=utcnow)


class EntraLink(SQLModel, table=True):
    """A directory user (object id) bound to a person, with their manager and the leder role the sync gave.

    Why: a delta page names a changed user and their manager by object id only, sometimes without
    the mail; and the sync may take back only the leder roles it gave itself (`leader_unit_id`).
    """

    __tablename__ = "entra_link"
    __table_args__ = (UniqueConstraint("org_id", "object_id", name="uq_entra_link_object"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    object_id: str = Field(max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    manager_object_id: str | None = Field(default=None, max_length=64)
    leader_unit_id: int | None = Field(default=None, foreign_key="unit.id")
