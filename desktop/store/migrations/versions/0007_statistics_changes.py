"""A change counter per table the Statistik section adds up, kept by SQLite triggers, so its
cached day-by-day figures are read again only when rows they hold changed. New rows are
found by their id (every table is added to in id order); the triggers count what an id
cannot show: an edited report (its category, type, agency or status, its day) and any
deleted row. Any writer bumps them: the desk, the command line, another process.

Note for later migrations: recreating one of these tables (``batch_alter_table`` on
SQLite) drops its triggers; create them again with ``create_triggers``.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("complaints", "tally_events", "survey_responses", "stock_movements")
# The columns of a report that move it between the figures' groups.
COMPLAINT_COLUMNS = "type, category, central_agency, central_status, created_at, post_id"


def _bump(table: str) -> str:
    return (
        "UPDATE statistics_changes SET changes = changes + 1"
        f" WHERE table_name = '{table}';"
    )


def create_triggers() -> None:
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS statistics_{table}_deleted AFTER DELETE ON {table}"
            f" BEGIN {_bump(table)} END"
        )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS statistics_complaints_edited"
        f" AFTER UPDATE OF {COMPLAINT_COLUMNS} ON complaints"
        f" BEGIN {_bump('complaints')} END"
    )


def upgrade() -> None:
    op.create_table(
        "statistics_changes",
        sa.Column("table_name", sa.String(32), primary_key=True),
        sa.Column("changes", sa.Integer(), nullable=False, server_default="0"),
    )
    for table in TABLES:
        op.execute(f"INSERT INTO statistics_changes (table_name, changes) VALUES ('{table}', 0)")
    create_triggers()


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS statistics_{table}_deleted")
    op.execute("DROP TRIGGER IF EXISTS statistics_complaints_edited")
    op.drop_table("statistics_changes")
