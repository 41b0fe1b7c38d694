"""checklist_item.introduced_at and retired_at: which items a past period's summary counts (issue 17)

Revision ID: 0013_people_checklist_item_dates
Revises: 0012_admin_checklists
Create Date: 2026-12-04 19:00:00

Both nullable and added in place: an item with no introduced_at has been there from the start, and a
retired item with no retired_at was retired before the dates were kept (it counts for no period, as before).
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0013_people_checklist_item_dates'
down_revision: str | Sequence[str] | None = '0012_admin_checklists'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('checklist_item', sa.Column('introduced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('checklist_item', sa.Column('retired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('checklist_item', recreate="always") as batch_op:
        batch_op.drop_column('retired_at')
        batch_op.drop_column('introduced_at')
