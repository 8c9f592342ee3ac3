"""The generic outbox: a deferral time on complaints, and the tables of the record kinds
the survey, tally and stock modules make (SKM responses, tally events, stock movements),
each with the same outbox columns as complaints.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("survey_responses", "tally_events", "stock_movements")


def _outbox_columns() -> list[sa.Column[object]]:
    return [
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
    ]


def _create(name: str, columns: list[sa.Column[object]]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        *columns,
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *_outbox_columns(),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=f"fk_{name}_post_id_posts"),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=f"fk_{name}_operator_id_operators"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.UniqueConstraint("uuid", name=f"uq_{name}_uuid"),
    )
    op.create_index(f"ix_{name}_sync_state", name, ["sync_state"])
    op.create_index(f"ix_{name}_created_at", name, ["created_at"])


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
    kinds: dict[str, Callable[[], list[sa.Column[object]]]] = {
        "survey_responses": lambda: [
            sa.Column("service_code", sa.String(32), nullable=False),
            sa.Column("answers", sa.JSON(), nullable=False),
            sa.Column("age_band", sa.String(32), nullable=False),
            sa.Column("sex", sa.String(1), nullable=False),
            sa.Column("education", sa.String(32), nullable=False),
            sa.Column("occupation", sa.String(32), nullable=False),
            sa.Column("suggestion", sa.Text(), nullable=False),
            sa.Column("self_filled", sa.Boolean(), nullable=False),
        ],
        "tally_events": lambda: [
            sa.Column("counter", sa.String(20), nullable=False),
            sa.Column("item", sa.String(32), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.Column("undoes", sa.String(36), nullable=True),
        ],
        "stock_movements": lambda: [
            sa.Column("item", sa.String(32), nullable=False),
            sa.Column("movement", sa.String(20), nullable=False),
            sa.Column("quantity", sa.Integer(), nullable=False),
            sa.Column("note", sa.Text(), nullable=False),
        ],
    }
    for name in TABLES:
        _create(name, kinds[name]())


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_index(f"ix_{name}_created_at", table_name=name)
        op.drop_index(f"ix_{name}_sync_state", table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("next_attempt_at")
