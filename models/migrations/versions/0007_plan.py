"""plan: perspectives, goals, indicators, targets, values with correction history; oppdrag.goal_id

Revision ID: 0007_plan
Revises: 0006_web_auth
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007_plan'
down_revision: str | Sequence[str] | None = '0006_web_auth'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan_perspective',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'name', name='uq_plan_perspective_org_name')
    )
    op.create_table('plan_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('perspective_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['plan_goal.id'], ),
    sa.ForeignKeyConstraint(['perspective_id'], ['plan_perspective.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_plan_goal_org_title', 'plan_goal', ['org_id', 'title'], unique=False)
    op.create_index(op.f('ix_plan_goal_parent_id'), 'plan_goal', ['parent_id'], unique=False)
    op.create_index(op.f('ix_plan_goal_perspective_id'), 'plan_goal', ['perspective_id'], unique=False)
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('frequency', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('rollup', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['plan_goal.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'name', name='uq_indicator_org_name')
    )
    op.create_index(op.f('ix_indicator_goal_id'), 'indicator', ['goal_id'], unique=False)
    op.create_table('indicator_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('red_limit', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('indicator_id', 'year', name='uq_indicator_target_year')
    )
    op.create_table('indicator_unit',
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('indicator_id', 'unit_id')
    )
    op.create_index('ix_indicator_unit_unit', 'indicator_unit', ['unit_id', 'indicator_id'], unique=False)
    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('indicator_id', 'unit_id', 'period', name='uq_indicator_value_cell')
    )
    op.create_index('ix_indicator_value_org_period', 'indicator_value', ['org_id', 'period', 'indicator_id', 'unit_id', 'value'], unique=False)
    op.create_table('indicator_value_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('value_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['value_id'], ['indicator_value.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_indicator_value_revision_value_id'), 'indicator_value_revision', ['value_id'], unique=False)

    # SQLite cannot add a foreign key to an existing table except inline with the column;
    # that keeps the oppdrag rows (and the tables pointing at them) untouched.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE oppdrag ADD COLUMN goal_id INTEGER REFERENCES plan_goal (id)")
    else:
        op.add_column("oppdrag", sa.Column("goal_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_oppdrag_goal_id", "oppdrag", "plan_goal", ["goal_id"], ["id"])
    op.create_index("ix_oppdrag_goal_id", "oppdrag", ["goal_id"], unique=False)

def downgrade() -> None:
    op.drop_index("ix_oppdrag_goal_id", table_name="oppdrag")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("oppdrag", recreate="always") as batch_op:
            batch_op.drop_column("goal_id")
    else:
        op.drop_constraint("fk_oppdrag_goal_id", "oppdrag", type_="foreignkey")
        op.drop_column("oppdrag", "goal_id")
    op.drop_index(op.f('ix_indicator_value_revision_value_id'), table_name='indicator_value_revision')
    op.drop_table('indicator_value_revision')
    op.drop_index('ix_indicator_value_org_period', table_name='indicator_value')
    op.drop_table('indicator_value')
    op.drop_index('ix_indicator_unit_unit', table_name='indicator_unit')
    op.drop_table('indicator_unit')
    op.drop_table('indicator_target')
    op.drop_index(op.f('ix_indicator_goal_id'), table_name='indicator')
    op.drop_table('indicator')
    op.drop_index(op.f('ix_plan_goal_perspective_id'), table_name='plan_goal')
    op.drop_index(op.f('ix_plan_goal_parent_id'), table_name='plan_goal')
    op.drop_index('ix_plan_goal_org_title', table_name='plan_goal')
    op.drop_table('plan_goal')
    op.drop_table('plan_perspective')
