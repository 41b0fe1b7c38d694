"""tenants: per-kommune settings (issue 13) — locale, leadership channels, schedules, varsling contacts

Revision ID: 0012_tenants_org_settings
Revises: 0008_risk (its own branch; `upgrade` runs to "heads")
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_tenants_org_settings"
down_revision: str | Sequence[str] | None = "0008_risk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
DT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "org_settings",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("locale", S(length=8), nullable=True),
        sa.Column("slack_leadership_channel", S(length=64), nullable=True),
        sa.Column("teams_leadership_conversation", S(length=300), nullable=True),
        sa.Column("nudge_schedule", S(length=64), nullable=True),
        sa.Column("summary_schedule", S(length=64), nullable=True),
        sa.Column("varsling_alternative_contact", S(length=500), nullable=True),
        sa.Column("varsling_backup_email", S(length=320), nullable=True),
        sa.Column("updated_at", DT(), nullable=False),
        sa.PrimaryKeyConstraint("org_id"),
    )


def downgrade() -> None:
    op.drop_table("org_settings")
