"""Organisations, the unit tree, people, roles and per-organisation counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.tables._common import utcnow


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Unit(SQLModel, table=True):
    """A node in the unit tree. `id_path` ("/1/4/9/") makes "this unit and all below" one LIKE."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("org_id", "path", name="uq_unit_org_path"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    name: str = Field(max_length=200)
    path: str = Field(max_length=1000, description="slash path of names from the top, e.g. Oppvekst/Aurvoll skole")
    id_path: str = Field(default="", max_length=500, index=True)
    kind: str = Field(default="unit", max_length=20, description="top | sector | unit")
    active: bool = Field(default=True)


class Person(SQLModel, table=True):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("org_id", "email", name="uq_person_org_email"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    email: str = Field(max_length=320, description="lower-cased")
    name: str = Field(max_length=200)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = Field(default=True)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PersonRole(SQLModel, table=True):
    """A role held by a person; `unit_id` is the unit led (leder) or sector (kommunalsjef)."""

    __tablename__ = "person_role"
    __table_args__ = (UniqueConstraint("person_id", "role", "unit_id", name="uq_person_role"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=32)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)


class Counter(SQLModel, table=True):
    """Per-organisation sequences (avvik numbers, oppdrag numbers, varsel numbers).

    Taken with one INSERT … ON CONFLICT DO UPDATE … RETURNING (services.org.next_number),
    so concurrent writers serialise on the row and never hand out one number twice.
    """

    __tablename__ = "counter"
    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    name: str = Field(max_length=40, primary_key=True)
    value: int = Field(default=0)
