"""Category groups: a coordinator switches a group on or off for new reports

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'category_groups',
        sa.Column('group_code', sa.String(length=32), nullable=False),
        sa.Column('offered', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('changed_by', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('group_code', name=op.f('pk_category_groups')),
    )


def downgrade() -> None:
    op.drop_table('category_groups')
