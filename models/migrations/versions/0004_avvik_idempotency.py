"""avvik.idempotency_key: one avvik per submission, enforced by a unique key

Revision ID: 0004_avvik_idempotency
Revises: 0001_foundation
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_avvik_idempotency"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("avvik") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_avvik_org_idempotency", ["org_id", "idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("avvik") as batch:
        batch.drop_constraint("uq_avvik_org_idempotency", type_="unique")
        batch.drop_column("idempotency_key")
