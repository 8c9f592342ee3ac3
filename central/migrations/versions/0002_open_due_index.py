"""A partial index on open complaints' deadlines, for the due lists

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Frozen here: central.models.OPEN_COMPLAINT_SQL as of this revision.
OPEN_COMPLAINT_SQL = "status NOT IN ('resolved', 'archived')"


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(
            'ix_complaints_open_expected_at',
            ['expected_at', 'id'],
            unique=False,
            sqlite_where=sa.text(OPEN_COMPLAINT_SQL),
            postgresql_where=sa.text(OPEN_COMPLAINT_SQL),
        )


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_open_expected_at')
