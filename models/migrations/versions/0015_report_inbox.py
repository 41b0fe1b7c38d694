"""report inbox: a chat avvik report is kept as one row before the ack, registered in the background (issue 15)

Revision ID: 0015_report_inbox
Revises: 0014_gaps13_uninstall_times (`upgrade` runs to "heads")
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015_report_inbox"
down_revision: str | Sequence[str] | None = "0014_gaps13_uninstall_times"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("form_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["reporter_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "idempotency_key", name="uq_report_inbox_key"),
    )
    op.create_index("ix_report_inbox_org_id", "report_inbox", ["org_id"])
    op.create_index("ix_report_inbox_reporter_id", "report_inbox", ["reporter_id"])
    op.create_index("ix_report_inbox_due", "report_inbox", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_report_inbox_due", table_name="report_inbox")
    op.drop_index("ix_report_inbox_reporter_id", table_name="report_inbox")
    op.drop_index("ix_report_inbox_org_id", table_name="report_inbox")
    op.drop_table("report_inbox")
