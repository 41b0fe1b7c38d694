"""Chat installations mapped to kommuner (issue 13): Slack workspaces/Grid orgs, Teams tenants, OAuth state,
and the delivery pacing shared by every delivering process.

Why `org_id` may be NULL on `slack_installation`: an install from a workspace no admin has
mapped yet is kept «waiting for an admin to map it» (`trad slack map`), and serves nothing
until then. Tokens are stored only encrypted (`models.services.token_box`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class SlackInstallation(SQLModel, table=True):
    """The latest bot installation of one workspace (`T…`) or one Enterprise Grid org (`E…`, org-wide install)."""

    __tablename__ = "slack_installation"
    workspace_key: str = Field(primary_key=True, max_length=40, description="team id, or enterprise id for a Grid org")
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True,
                               description="NULL: waiting for an admin to map it")
    enterprise_id: str | None = Field(default=None, max_length=40, index=True)
    team_id: str | None = Field(default=None, max_length=40, index=True)
    team_name: str | None = Field(default=None, max_length=200)
    is_enterprise_install: bool = Field(default=False)
    installer_user_id: str | None = Field(default=None, max_length=40)
    secret: str = Field(sa_column=Column(Text, nullable=False), description="the installation (tokens) encrypted")
    installed_at: datetime = Field(default_factory=utcnow)
    mapped_at: datetime | None = None


class SlackOAuthState(SQLModel, table=True):
    """A one-time `state` of Slack's install flow (bolt's OAuthStateStore), consumed at the redirect."""

    __tablename__ = "slack_oauth_state"
    state: str = Field(primary_key=True, max_length=100)
    expires_at: datetime


class TeamsTenant(SQLModel, table=True):
    """An Entra tenant whose Teams activities Tråd accepts, and the kommune they belong to."""

    __tablename__ = "teams_tenant"
    tenant_id: str = Field(primary_key=True, max_length=36)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    mapped_at: datetime = Field(default_factory=utcnow)


class PacingSlot(SQLModel, table=True):
    """The next moment a send may go to one pacing key (a Slack workspace or channel, a Teams tenant or
    conversation). Not a kommune's data: it belongs to the deployment, so no org_id."""

    __tablename__ = "pacing_slot"
    key: str = Field(primary_key=True, max_length=200)
    next_at: float = Field(description="seconds since the epoch")
