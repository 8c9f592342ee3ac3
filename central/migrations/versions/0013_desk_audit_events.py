"""The desks' audit trails (push protocol 2's ``audit_event``) and the staff's reads of
reporters' personal data, both append-only: triggers refuse any UPDATE or DELETE of a line,
whichever program asks.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "desk_audit_events"
READS = "personal_data_reads"
REFUSAL = "the audit trail is append-only"
_FUNCTION = "CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS" \
    f" $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"  # fmt: skip


def _pg(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_kept BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION audit_refuse()",
        f"CREATE TRIGGER {table}_not_emptied BEFORE TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()",
    ]


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_unchanged BEFORE UPDATE ON {table}"
        f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
        f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table}"
        f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    ]


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("post_code", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("operator_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f(f"fk_{TABLE}_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("uuid", name=op.f(f"uq_{TABLE}_uuid")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name in ("action", "created_at", "device_id", "post_code"):
            batch_op.create_index(batch_op.f(f"ix_{TABLE}_{name}"), [name])
    op.create_table(
        READS,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("client_name", sa.String(length=100), nullable=False),
        sa.Column("tracking_id", sa.String(length=32), nullable=False),
        sa.Column("what", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{READS}")),
    )
    with op.batch_alter_table(READS, schema=None) as batch_op:
        for name in ("tracking_id", "read_at"):
            batch_op.create_index(batch_op.f(f"ix_{READS}_{name}"), [name])
    if op.get_bind().dialect.name == "postgresql":
        statements = [_FUNCTION, *_pg(TABLE), *_pg(READS)]
    else:
        statements = [*_sqlite(TABLE), *_sqlite(READS)]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in (READS, TABLE):
        for name in ("not_emptied", "kept", "unchanged"):
            op.execute(
                f"DROP TRIGGER IF EXISTS {table}_{name}" + (f" ON {table}" if postgresql else "")
            )
        op.drop_table(table)
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS audit_refuse()")
