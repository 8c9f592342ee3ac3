"""Status changes: an internal note beside the public one

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The existing notes stay what they were: written for the reporter (public notes).
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('internal_note', sa.Text(), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_column('internal_note')
