"""Statlige tilsyn and their findings (avvik, merknad, pålegg), each with a deadline and a status."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class Tilsyn(SQLModel, table=True):
    __tablename__ = "tilsyn"
    __table_args__ = (Index("ix_tilsyn_org_date", "org_id", "held_on"), Index("ix_tilsyn_unit", "unit_id", "held_on"))
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    authority: str = Field(max_length=32, description="statsforvalteren | arbeidstilsynet | … | annet")
    authority_name: str = Field(default="", max_length=200, description="the authority's name when «annet»")
    held_on: date
    theme: str = Field(max_length=300)
    unit_id: int = Field(foreign_key="unit.id")
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class TilsynFinding(SQLModel, table=True):
    __tablename__ = "tilsyn_finding"
    __table_args__ = (Index("ix_tilsyn_finding_due", "status", "deadline"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    tilsyn_id: int = Field(foreign_key="tilsyn.id", index=True)
    kind: str = Field(max_length=12, description="avvik | merknad | palegg")
    description: str = Field(sa_column=Column(Text, nullable=False))
    deadline: date
    tiltak: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    status: str = Field(default="apen", max_length=16, description="apen | under_arbeid | lukket")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = Field(default=None)
