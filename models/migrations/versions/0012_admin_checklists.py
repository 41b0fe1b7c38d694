"""checklist templates with versions, due day, publish date and units; kommune_settings (issue 17)

Revision ID: 0012_admin_checklists
Revises: 0011_oppdragsbrev
Create Date: 2026-12-05 10:00:00

Columns are added in place (as 0011 does): a batch rebuild of checklist_template on SQLite
would drop a table other tables point at, which fails on a database with data.
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0012_admin_checklists'
down_revision: str | Sequence[str] | None = '0011_oppdragsbrev'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('checklist_template', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('checklist_template', sa.Column('due_day', sa.Integer(), nullable=True))
    op.add_column('checklist_template', sa.Column('publish_on', sa.Date(), nullable=True))
    op.add_column('checklist_template', sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=12),
                                                  server_default='all', nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE checklist_template ADD COLUMN created_by_id INTEGER REFERENCES person (id)")
    else:
        op.add_column('checklist_template', sa.Column('created_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_checklist_template_created_by_id', 'checklist_template', 'person',
                              ['created_by_id'], ['id'])
    op.add_column('checklist_item', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_table('checklist_template_unit',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_template.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('template_id', 'unit_id')
    )
    op.create_table('kommune_settings',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('avvik_categories', sa.JSON(), nullable=True),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('org_id')
    )


def downgrade() -> None:
    op.drop_table('kommune_settings')
    op.drop_table('checklist_template_unit')
    with op.batch_alter_table('checklist_item', recreate="always") as batch_op:
        batch_op.drop_column('version')
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint('fk_checklist_template_created_by_id', 'checklist_template', type_='foreignkey')
    with op.batch_alter_table('checklist_template', recreate="always") as batch_op:
        for name in ('created_by_id', 'scope', 'publish_on', 'due_day', 'version'):
            batch_op.drop_column(name)
