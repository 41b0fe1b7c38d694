"""gaps13: a Slack installation remembers that its workspace uninstalled Tråd (issue 13)

Revision ID: 0014_gaps13_slack_uninstalled
Revises: 0013_scaleout_installs_pacing (`upgrade` runs to "heads")
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_gaps13_slack_uninstalled"
down_revision: str | Sequence[str] | None = "0013_scaleout_installs_pacing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_installation") as batch:
        batch.add_column(sa.Column("uninstalled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_installation") as batch:
        batch.drop_column("uninstalled_at")
