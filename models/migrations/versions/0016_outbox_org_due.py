"""outbox: an index per kommune over due rows in claim order (id last: PostgreSQL then needs no sort), so a claim seeks each kommune's first rows (issue 15)

Revision ID: 0016_outbox_org_due
Revises: 0015_report_inbox (`upgrade` runs to "heads")
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_outbox_org_due"
down_revision: str | Sequence[str] | None = "0015_report_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_org_due", "outbox", ["org_id", "status", "next_attempt_at", "id"])
    # the few rows in flight, whatever the statistics say about `status` (models/services/outbox_due.py)
    op.create_index("ix_outbox_sending", "outbox", ["claimed_at"], sqlite_where=sa.text("status = 'sending'"),
                    postgresql_where=sa.text("status = 'sending'"))


def downgrade() -> None:
    op.drop_index("ix_outbox_sending", table_name="outbox")
    op.drop_index("ix_outbox_org_due", table_name="outbox")
