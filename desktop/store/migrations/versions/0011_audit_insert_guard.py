"""The audit trail's last opening: ``INSERT OR REPLACE`` deletes the line it replaces
without firing DELETE triggers (SQLite's recursive_triggers is off), so 0009's triggers
let a program rewrite a line in place. A line is now refused when its id or UUID is taken,
and a line's id is one of its content columns (changing it would reorder the trail).

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CONTENT = ("id", "uuid", "action", "subject", "detail", "operator_name", "post_id",
           "operator_id", "created_at")  # fmt: skip
REFUSED = "SELECT RAISE(ABORT, 'the audit trail is append-only')"


def upgrade() -> None:
    op.execute(
        "CREATE TRIGGER audit_events_new_only BEFORE INSERT ON audit_events"
        " WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id OR uuid = NEW.uuid)"
        f" BEGIN {REFUSED}; END"
    )
    op.execute("DROP TRIGGER IF EXISTS audit_events_unchanged")
    op.execute(
        f"CREATE TRIGGER audit_events_unchanged BEFORE UPDATE OF {', '.join(CONTENT)}"
        f" ON audit_events BEGIN {REFUSED}; END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_events_new_only")
    op.execute("DROP TRIGGER IF EXISTS audit_events_unchanged")
    columns = ", ".join(CONTENT[1:])
    op.execute(
        f"CREATE TRIGGER audit_events_unchanged BEFORE UPDATE OF {columns}"
        f" ON audit_events BEGIN {REFUSED}; END"
    )
