"""varsling: anonymous cases, sealed keys, messages, recipient keys and sign-in

Revision ID: 0002_varsling
Revises: 0001_foundation
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_varsling"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
DT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "varsling_org",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), primary_key=True),
        sa.Column("receipt_salt", S(length=64), nullable=False),
    )
    op.create_table(
        "varsling_rutine",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", DT(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.UniqueConstraint("org_id", "version", name="uq_varsling_rutine_version"),
    )
    op.create_table(
        "varsling_recipient_key",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("public_key", S(length=64), nullable=False),
        sa.Column("passphrase_salt", S(length=64), nullable=False),
        sa.Column("sk_by_passphrase", S(length=200), nullable=False),
        sa.Column("recovery_salt", S(length=64), nullable=False),
        sa.Column("sk_by_recovery", S(length=200), nullable=False),
        sa.Column("created_at", DT(), nullable=False),
        sa.Column("updated_at", DT(), nullable=False),
    )
    op.create_table(
        "varsel",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("ack_due", sa.Date(), nullable=False),
        sa.Column("feedback_due", sa.Date(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("feedback_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("check_undersokelse", sa.Boolean(), nullable=False),
        sa.Column("check_gjengjeldelse", sa.Boolean(), nullable=False),
        sa.Column("check_tiltak_varsler", sa.Boolean(), nullable=False),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("exported_on", sa.Date(), nullable=True),
        sa.Column("rutine_version", sa.Integer(), nullable=False),
        sa.Column("receipt_hash", S(length=64), nullable=False, unique=True),
        sa.Column("reporter_box", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("identity", sa.Text(), nullable=True),
        sa.UniqueConstraint("org_id", "year", "number", name="uq_varsel_number"),
    )
    op.create_table(
        "varsel_access",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("varsel_id", sa.Integer(), sa.ForeignKey("varsel.id"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False, index=True),
        sa.Column("role", S(length=12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sealed_key", S(length=200), nullable=False),
        sa.Column("sealed_identity_key", S(length=200), nullable=True),
        sa.UniqueConstraint("varsel_id", "person_id", name="uq_varsel_access"),
    )
    op.create_table(
        "varsel_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("varsel_id", sa.Integer(), sa.ForeignKey("varsel.id"), nullable=False, index=True),
        sa.Column("sender", S(length=12), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_table(
        "varsling_form_nonce",
        sa.Column("nonce_hash", S(length=64), primary_key=True),
        sa.Column("expires_on", sa.Date(), nullable=False, index=True),
    )
    op.create_table(
        "varsling_login_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", S(length=64), nullable=False, unique=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False, index=True),
        sa.Column("expires_at", DT(), nullable=False),
        sa.Column("used_at", DT(), nullable=True),
    )
    op.create_table(
        "varsling_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", S(length=64), nullable=False, unique=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False, index=True),
        sa.Column("expires_at", DT(), nullable=False),
        sa.Column("wrapped_sk", S(length=200), nullable=True),
    )
    op.create_index("ix_varsling_session_expires", "varsling_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_varsling_session_expires", table_name="varsling_session")
    for name in ("varsling_session", "varsling_login_token", "varsling_form_nonce", "varsel_message",
                 "varsel_access", "varsel", "varsling_recipient_key", "varsling_rutine", "varsling_org"):
        op.drop_table(name)
