"""Drop the two statistics indexes on ``complaints`` (migration 0010): the statistics page
reads ``complaint_counts`` (0011) instead, its deadlines included, so no query uses them,
and every complaint written kept them up to date (two more index entries each, tens of MB
at a season's volume). Plain DROP INDEX: no SQLite "move and copy" of ``complaints``,
whose triggers (0011) stay.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Frozen here: central.models.OPEN_COMPLAINT_SQL as of this revision.
OPEN_COMPLAINT_SQL = "status NOT IN ('resolved', 'archived')"


def upgrade() -> None:
    op.drop_index('ix_complaints_open_statistics', table_name='complaints')
    op.drop_index('ix_complaints_statistics', table_name='complaints')


def downgrade() -> None:
    op.create_index(
        'ix_complaints_statistics',
        'complaints',
        ['created_at', 'post_code', 'type', 'category', 'status', 'agency'],
        unique=False,
    )
    op.create_index(
        'ix_complaints_open_statistics',
        'complaints',
        ['created_at', 'post_code', 'type', 'category', 'status'],
        unique=False,
        sqlite_where=sa.text(OPEN_COMPLAINT_SQL),
        postgresql_where=sa.text(OPEN_COMPLAINT_SQL),
    )
