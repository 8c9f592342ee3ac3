"""When a report's personal data was erased from the desk (``desktop.store.retention``):
the reporter's contacts, and a rahasia report's title, description and place, once the
central system confirmed the report and the retention period passed. NULL: still here.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaints", sa.Column("personal_erased_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("personal_erased_at")
