"""gaps13: a Slack installation remembers that its workspace uninstalled Tråd; reminder times per kommune (issue 13)

Revision ID: 0014_gaps13_uninstall_times
Revises: 0013_scaleout_installs_pacing (`upgrade` runs to "heads")
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_gaps13_uninstall_times"
down_revision: str | Sequence[str] | None = "0013_scaleout_installs_pacing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SCHEDULES = ("deadline_reminder_schedule", "governance_reminder_schedule", "indicator_reminder_schedule")


def upgrade() -> None:
    with op.batch_alter_table("slack_installation") as batch:
        batch.add_column(sa.Column("uninstalled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("org_settings") as batch:
        for name in SCHEDULES:
            batch.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("org_settings") as batch:
        for name in SCHEDULES:
            batch.drop_column(name)
    with op.batch_alter_table("slack_installation") as batch:
        batch.drop_column("uninstalled_at")
