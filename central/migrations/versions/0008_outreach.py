"""Outreach tallies and merchandise stock (push protocol 2's tally and stock_movement)

Revision ID: 0008
Revises: 0007
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _common() -> list[sa.Column[Any]]:
    return [
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('post_code', sa.String(length=16), nullable=False),
    ]


def _create(table: str, *columns: sa.Column[Any], unique: tuple[str, ...] = ()) -> None:
    op.create_table(
        table,
        *_common(),
        *columns,
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['device_id'], ['devices.id'], name=op.f(f'fk_{table}_device_id_devices')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        *(sa.UniqueConstraint(name, name=op.f(f'uq_{table}_{name}')) for name in unique),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in ('created_at', 'device_id', 'post_code'):
            batch_op.create_index(batch_op.f(f'ix_{table}_{name}'), [name])


def upgrade() -> None:
    _create(
        'outreach_tallies',
        sa.Column('counter', sa.String(length=20), nullable=False),
        sa.Column('item', sa.String(length=32), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('undoes', sa.String(length=36), nullable=True),
        unique=('uuid', 'undoes'),
    )
    _create(
        'stock_movements',
        sa.Column('item', sa.String(length=32), nullable=False),
        sa.Column('movement', sa.String(length=16), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        unique=('uuid',),
    )


def downgrade() -> None:
    for table in ('stock_movements', 'outreach_tallies'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in ('post_code', 'device_id', 'created_at'):
                batch_op.drop_index(batch_op.f(f'ix_{table}_{name}'))
        op.drop_table(table)
