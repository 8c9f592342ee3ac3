"""Outbox state on complaints; settings and drafts tables.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        # Existing rows keep their creation time as last update and start out pending:
        # nothing recorded before this revision was ever sent.
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("sync_state", sa.String(20), nullable=False, server_default="pending")
        )
        batch.add_column(
            sa.Column("sync_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_attempt_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("central_status", sa.String(32), nullable=True))
    op.execute("UPDATE complaints SET updated_at = created_at")
    with op.batch_alter_table("complaints") as batch:
        batch.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
        batch.create_index("ix_complaints_sync_state", ["sync_state"])
        batch.create_index("ix_complaints_reporter_name", ["reporter_name"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )
    op.create_table(
        "drafts",
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("form", name="pk_drafts"),
    )


def downgrade() -> None:
    op.drop_table("drafts")
    op.drop_table("settings")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index("ix_complaints_reporter_name")
        batch.drop_index("ix_complaints_sync_state")
        for column in (
            "central_status",
            "last_attempt_at",
            "last_error",
            "sync_attempts",
            "sync_state",
            "updated_at",
        ):
            batch.drop_column(column)
