"""web_auth: one-time sign-in links and sessions for the staff web pages (hashes only)

Revision ID: 0006_web_auth
Revises: 0001_foundation
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_web_auth"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
DT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "web_login_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("token_hash", S(length=64), nullable=False, unique=True),
        sa.Column("created_at", DT(), nullable=False),
        sa.Column("expires_at", DT(), nullable=False),
        sa.Column("used_at", DT(), nullable=True),
    )
    op.create_index("ix_web_login_token_person_created", "web_login_token", ["person_id", "created_at"])
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("token_hash", S(length=64), nullable=False, unique=True),
        sa.Column("created_at", DT(), nullable=False),
        sa.Column("expires_at", DT(), nullable=False),
    )
    op.create_index("ix_web_session_person_id", "web_session", ["person_id"])
    op.create_index("ix_web_session_expires", "web_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_web_session_expires", table_name="web_session")
    op.drop_index("ix_web_session_person_id", table_name="web_session")
    op.drop_table("web_session")
    op.drop_index("ix_web_login_token_person_created", table_name="web_login_token")
    op.drop_table("web_login_token")
