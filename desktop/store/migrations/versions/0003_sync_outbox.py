"""Sync: record revisions (freeze while sending), HTTP status of the last failure, records
set aside by the operator, and what the central system says about each report.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        # Every edit bumps ``revision``; ``sending_revision`` is what is on the wire and
        # ``sent_revision`` what the central system confirmed. Existing rows were never sent.
        batch.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("sending_revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sent_revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_http_status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("set_aside_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("central_agency", sa.String(100), nullable=True))
        batch.add_column(sa.Column("central_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("central_updated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        for column in (
            "central_updated_at",
            "central_note",
            "central_agency",
            "sent_at",
            "set_aside_reason",
            "last_http_status",
            "sent_revision",
            "sending_revision",
            "revision",
        ):
            batch.drop_column(column)
