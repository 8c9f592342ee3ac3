"""Devices: one per public key, and the provisional prefix each one proved

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provisional_prefix', sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_devices_provisional_prefix'), ['provisional_prefix']
        )
        batch_op.create_index(
            'uq_devices_public_key',
            ['public_key'],
            unique=True,
            sqlite_where=sa.text("public_key <> ''"),
            postgresql_where=sa.text("public_key <> ''"),
        )


def downgrade() -> None:
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index('uq_devices_public_key')
        batch_op.drop_constraint(batch_op.f('uq_devices_provisional_prefix'), type_='unique')
        batch_op.drop_column('provisional_prefix')
