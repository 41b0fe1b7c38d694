"""scaleout: Slack installations and OAuth state, Teams tenants, shared delivery pacing (issue 13, 15)

Revision ID: 0013_scaleout_installs_pacing
Revises: 0012_tenants_org_settings (`upgrade` runs to "heads")
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013_scaleout_installs_pacing"
down_revision: str | Sequence[str] | None = "0012_tenants_org_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
DT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "slack_installation",
        sa.Column("workspace_key", S(length=40), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True),
        sa.Column("enterprise_id", S(length=40), nullable=True),
        sa.Column("team_id", S(length=40), nullable=True),
        sa.Column("team_name", S(length=200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installer_user_id", S(length=40), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("installed_at", DT(), nullable=False),
        sa.Column("mapped_at", DT(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_key"),
    )
    op.create_index("ix_slack_installation_org_id", "slack_installation", ["org_id"])
    op.create_index("ix_slack_installation_enterprise_id", "slack_installation", ["enterprise_id"])
    op.create_index("ix_slack_installation_team_id", "slack_installation", ["team_id"])
    op.create_table(
        "slack_oauth_state",
        sa.Column("state", S(length=100), nullable=False),
        sa.Column("expires_at", DT(), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_table(
        "teams_tenant",
        sa.Column("tenant_id", S(length=36), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("mapped_at", DT(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_index("ix_teams_tenant_org_id", "teams_tenant", ["org_id"])
    op.create_table(
        "pacing_slot",
        sa.Column("key", S(length=200), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("pacing_slot")
    op.drop_index("ix_teams_tenant_org_id", table_name="teams_tenant")
    op.drop_table("teams_tenant")
    op.drop_table("slack_oauth_state")
    op.drop_index("ix_slack_installation_team_id", table_name="slack_installation")
    op.drop_index("ix_slack_installation_enterprise_id", table_name="slack_installation")
    op.drop_index("ix_slack_installation_org_id", table_name="slack_installation")
    op.drop_table("slack_installation")
