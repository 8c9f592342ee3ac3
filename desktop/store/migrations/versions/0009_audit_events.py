"""The audit trail (``desktop.store.audit``): one row per thing done at the desk, with the
outbox columns every record kind has (it is synced to the central system). Append-only,
enforced here: triggers refuse an UPDATE of its content columns and any DELETE, from the
desk or any other program that opens the file (only the outbox columns move).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CONTENT = ("uuid", "action", "subject", "detail", "operator_name", "post_id", "operator_id",
           "created_at")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("operator_name", sa.String(100), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sync_state", sa.String(20), nullable=False),
        sa.Column("sync_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("sending_revision", sa.Integer(), nullable=True),
        sa.Column("sent_revision", sa.Integer(), nullable=True),
        sa.Column("last_http_status", sa.Integer(), nullable=True),
        sa.Column("set_aside_reason", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name="fk_audit_events_post_id_posts"),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name="fk_audit_events_operator_id_operators"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sa.UniqueConstraint("uuid", name="uq_audit_events_uuid"),
    )
    op.create_index("ix_audit_events_sync_state", "audit_events", ["sync_state"])
    op.create_index("ix_audit_events_created_at", "audit_events", ["created_at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    columns = ", ".join(CONTENT)
    op.execute(
        f"CREATE TRIGGER audit_events_unchanged BEFORE UPDATE OF {columns} ON audit_events"
        " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_kept BEFORE DELETE ON audit_events"
        " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_events_kept")
    op.execute("DROP TRIGGER IF EXISTS audit_events_unchanged")
    op.drop_table("audit_events")
