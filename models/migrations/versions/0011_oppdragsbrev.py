"""oppdragsbrev: the letters oppdrag come from, and oppdrag.oppdragsbrev_id (issue 17)

Revision ID: 0011_oppdragsbrev
Revises: 0008_risk (the merger re-chains it)
Create Date: 2026-12-04 16:50:00
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011_oppdragsbrev'
down_revision: str | Sequence[str] | None = '0008_risk'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('oppdragsbrev',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('case_ref', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['sector_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oppdragsbrev', schema=None) as batch_op:
        batch_op.create_index('ix_oppdragsbrev_org_year', ['org_id', 'year'], unique=False)
    # SQLite cannot add a foreign key to an existing table except inline with the column; a batch
    # rebuild of `oppdrag` would drop a table other tables point at, which foreign keys forbid
    # on a database that has data. So the column is added in place, as 0007 adds goal_id.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE oppdrag ADD COLUMN oppdragsbrev_id INTEGER REFERENCES oppdragsbrev (id)")
    else:
        op.add_column('oppdrag', sa.Column('oppdragsbrev_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_oppdrag_oppdragsbrev_id', 'oppdrag', 'oppdragsbrev', ['oppdragsbrev_id'], ['id'])
    op.create_index('ix_oppdrag_oppdragsbrev_id', 'oppdrag', ['oppdragsbrev_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_oppdrag_oppdragsbrev_id', table_name='oppdrag')
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('oppdrag', recreate="always") as batch_op:
            batch_op.drop_column('oppdragsbrev_id')
    else:
        op.drop_constraint('fk_oppdrag_oppdragsbrev_id', 'oppdrag', type_='foreignkey')
        op.drop_column('oppdrag', 'oppdragsbrev_id')
    with op.batch_alter_table('oppdragsbrev', schema=None) as batch_op:
        batch_op.drop_index('ix_oppdragsbrev_org_year')
    op.drop_table('oppdragsbrev')
