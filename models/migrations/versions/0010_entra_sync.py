"""entra_sync: the Entra ID sync's delta link per kommune and its directory-user links (issue 17)

Revision ID: 0010_entra_sync
Revises: 0008_risk (the merger re-chains it)
Create Date: 2026-12-04 16:50:00
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010_entra_sync'
down_revision: str | Sequence[str] | None = '0008_risk'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('entra_sync_state',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('delta_link', sa.Text(), nullable=True),
    sa.Column('synced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.create_table('entra_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('manager_object_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('leader_unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['leader_unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'object_id', name='uq_entra_link_object')
    )
    with op.batch_alter_table('entra_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entra_link_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entra_link_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('entra_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entra_link_person_id'))
        batch_op.drop_index(batch_op.f('ix_entra_link_org_id'))
    op.drop_table('entra_link')
    op.drop_table('entra_sync_state')
