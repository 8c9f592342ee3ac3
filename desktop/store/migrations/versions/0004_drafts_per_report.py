"""Drafts: one row per report being typed, under its own id, so several may wait (until now
one row per form, which a second report overwrote). A draft left by the last release is
kept as one of the new rows.

Revision ID: 0004
Revises: 0003
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("drafts", "drafts_0003")
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
    )
    op.create_index("ix_drafts_form", "drafts", ["form"])
    bind = op.get_bind()
    old = bind.execute(sa.text("SELECT form, content, updated_at FROM drafts_0003")).all()
    for form, content, updated_at in old:
        # Copied as stored, unreadable content too; its start is not known: its last change.
        bind.execute(
            sa.text(
                "INSERT INTO drafts (id, form, content, created_at, updated_at) "
                "VALUES (:id, :form, :content, :updated_at, :updated_at)"
            ),
            {"id": str(uuid.uuid4()), "form": form, "content": content, "updated_at": updated_at},
        )
    op.drop_table("drafts_0003")


def downgrade() -> None:
    # The old table holds one draft per form: the newest of each is kept (the upgrade to
    # 0004 backed the file up first, so the others are in the backup).
    op.drop_index("ix_drafts_form", table_name="drafts")
    op.rename_table("drafts", "drafts_0004")
    op.create_table(
        "drafts",
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("form", name="pk_drafts"),
    )
    op.execute(
        "INSERT INTO drafts (form, content, updated_at) "
        "SELECT form, content, MAX(updated_at) FROM drafts_0004 GROUP BY form"
    )
    op.drop_table("drafts_0004")
