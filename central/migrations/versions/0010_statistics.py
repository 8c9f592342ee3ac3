"""The coordinators' statistics: covering indexes for its grouped queries (all complaints,
the open ones, the tallies), and the settings
table that holds the campaign

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Frozen here: central.models.OPEN_COMPLAINT_SQL as of this revision.
OPEN_COMPLAINT_SQL = "status NOT IN ('resolved', 'archived')"


def upgrade() -> None:
    op.create_table(
        'settings',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_settings')),
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(
            'ix_complaints_statistics',
            ['created_at', 'post_code', 'type', 'category', 'status', 'agency'],
            unique=False,
        )
        batch_op.create_index(
            'ix_complaints_open_statistics',
            ['created_at', 'post_code', 'type', 'category', 'status'],
            unique=False,
            sqlite_where=sa.text(OPEN_COMPLAINT_SQL),
            postgresql_where=sa.text(OPEN_COMPLAINT_SQL),
        )
    with op.batch_alter_table('outreach_tallies', schema=None) as batch_op:
        batch_op.create_index(
            'ix_outreach_tallies_statistics',
            ['counter', 'created_at', 'post_code', 'item', 'count'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('outreach_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_outreach_tallies_statistics')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_open_statistics')
        batch_op.drop_index('ix_complaints_statistics')
    op.drop_table('settings')
