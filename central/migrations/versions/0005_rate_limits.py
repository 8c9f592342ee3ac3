"""Rate limits: the per-address look-up budget, shared by every worker process

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_limits',
        sa.Column('address', sa.String(length=255), nullable=False),
        sa.Column('tokens', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('address', name=op.f('pk_rate_limits')),
    )
    op.create_index(op.f('ix_rate_limits_updated_at'), 'rate_limits', ['updated_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_limits_updated_at'), table_name='rate_limits')
    op.drop_table('rate_limits')
