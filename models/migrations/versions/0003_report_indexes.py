"""covering indexes for the periodic summaries

Revision ID: 0003_report_indexes
Revises: 0001_foundation
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0003_report_indexes"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_avvik_org_created_closed", "avvik", ["org_id", "created_at", "closed_at", "unit_id"])
    op.create_index("ix_checklist_answer_run_item_answer", "checklist_answer", ["run_id", "item_id", "answer"])


def downgrade() -> None:
    op.drop_index("ix_checklist_answer_run_item_answer", table_name="checklist_answer")
    op.drop_index("ix_avvik_org_created_closed", table_name="avvik")
