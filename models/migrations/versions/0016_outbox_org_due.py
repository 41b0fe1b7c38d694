"""outbox: an index per kommune over due rows, so a claim seeks each kommune's first rows (issue 15)

Revision ID: 0016_outbox_org_due
Revises: 0015_report_inbox (`upgrade` runs to "heads")
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0016_outbox_org_due"
down_revision: str | Sequence[str] | None = "0015_report_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_org_due", "outbox", ["org_id", "status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_org_due", table_name="outbox")
