"""Operators sign in: a role (petugas, koordinator), a PIN kept as its slow hash
(``desktop.survey.pin``), whether the operator may still sign in, and the failed PINs in a
row with the time the next try is allowed (kept here so that closing the desk does not
reset them). Every operator of an upgraded desk is a petugas without a PIN: the desk asks
for a first coordinator at its next start (``Store.needs_coordinator``) and loses nothing.

Plain ADD COLUMNs: no table is recreated, so the triggers of 0007 stay.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "operators",
        sa.Column("role", sa.String(16), nullable=False, server_default="petugas"),
    )
    op.add_column(
        "operators", sa.Column("pin_hash", sa.String(200), nullable=False, server_default="")
    )
    op.add_column(
        "operators",
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "operators", sa.Column("failed_pins", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("operators", sa.Column("next_try_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        for column in ("next_try_at", "failed_pins", "active", "pin_hash", "role"):
            batch.drop_column(column)
