"""Staff roles, expiring staff tokens, and the central system's own audit trail.

- ``api_clients`` gets ``staff_role`` (koordinator or petugas_instansi; empty for an
  Open311 key), ``agency`` (an agency officer's agency code) and ``expires_at``. Every
  staff client that exists becomes a coordinator, as it saw everything before; its token
  keeps working and now expires 90 days after this upgrade (Open311 keys do not expire).
- ``central_audit_events``: who enrolled or revoked a device, created or revoked a staff
  client, changed a report's status. Append-only like the desks' trails (0013): triggers
  refuse any UPDATE or DELETE, and on PostgreSQL a TRUNCATE.

Revision ID: 0014
Revises: 0013
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLE = "central_audit_events"
REFUSAL = "the audit trail is append-only"
EXISTING_TOKEN_LIFETIME = timedelta(days=90)
# Its own function (0013's could be dropped by a downgrade of 0013 alone).
_FUNCTION = "CREATE FUNCTION central_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS" \
    f" $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("staff_role", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("agency", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    expires = (datetime.now(UTC) + EXISTING_TOKEN_LIFETIME).replace(tzinfo=None)
    op.get_bind().execute(
        sa.text(
            "UPDATE api_clients SET staff_role = 'koordinator', expires_at = :expires"
            " WHERE role = 'staff'"
        ),
        {"expires": expires},
    )
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_client_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name in ("action", "created_at"):
            batch_op.create_index(batch_op.f(f"ix_{TABLE}_{name}"), [name])
    if op.get_bind().dialect.name == "postgresql":
        statements = [
            _FUNCTION,
            f"CREATE TRIGGER {TABLE}_kept BEFORE UPDATE OR DELETE ON {TABLE}"
            " FOR EACH ROW EXECUTE FUNCTION central_audit_refuse()",
            f"CREATE TRIGGER {TABLE}_not_emptied BEFORE TRUNCATE ON {TABLE}"
            " FOR EACH STATEMENT EXECUTE FUNCTION central_audit_refuse()",
        ]
    else:
        statements = [
            f"CREATE TRIGGER {TABLE}_unchanged BEFORE UPDATE ON {TABLE}"
            f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
            f"CREATE TRIGGER {TABLE}_kept BEFORE DELETE ON {TABLE}"
            f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
        ]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("not_emptied", "kept", "unchanged"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}" + (f" ON {TABLE}" if postgresql else ""))
    op.drop_table(TABLE)
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS central_audit_refuse()")
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("agency")
        batch_op.drop_column("staff_role")
