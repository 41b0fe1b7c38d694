"""Sign-in for the web pages without passwords: one-time links and sessions, both stored only as hashes.

Why hashes: a copy of the database (a backup, a support dump) must not let anyone sign in
as a member of staff. The link token and the session cookie are random 32-byte values
that only the person's browser (or inbox) ever holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.tables._common import utcnow


class WebLoginToken(SQLModel, table=True):
    """A one-time sign-in link (15 minutes, single use). `created_at` also drives the per-person rate limit."""

    __tablename__ = "web_login_token"
    __table_args__ = (Index("ix_web_login_token_person_created", "person_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    person_id: int = Field(foreign_key="person.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser. `expires_at` slides forward (8 h) while the person keeps using the pages."""

    __tablename__ = "web_session"
    __table_args__ = (Index("ix_web_session_expires", "expires_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
