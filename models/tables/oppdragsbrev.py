"""Oppdragsbrev: the letter a kommunestyre, kommunedirektør or sector issues each year, holding oppdrag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class Oppdragsbrev(SQLModel, table=True):
    __tablename__ = "oppdragsbrev"
    __table_args__ = (Index("ix_oppdragsbrev_org_year", "org_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    year: int
    title: str = Field(max_length=300)
    issuer: str = Field(max_length=24, description="kommunestyre | kommunedirektor | sektor")
    sector_id: int | None = Field(default=None, foreign_key="unit.id", description="the issuing sector, if a sector")
    case_ref: str = Field(default="", max_length=200, description="reference to the political case, e.g. PS 12/26")
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
