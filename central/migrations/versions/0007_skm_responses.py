"""SKM responses (push protocol 2's skm_response): one column per element, for SQL reports

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ELEMENTS = ('u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9')


def upgrade() -> None:
    op.create_table(
        'skm_responses',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('post_code', sa.String(length=16), nullable=False),
        sa.Column('service_code', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        *(sa.Column(name, sa.SmallInteger(), nullable=True) for name in ELEMENTS),
        sa.Column('age_band', sa.String(length=32), nullable=False),
        sa.Column('sex', sa.String(length=1), nullable=False),
        sa.Column('education', sa.String(length=32), nullable=False),
        sa.Column('occupation', sa.String(length=32), nullable=False),
        sa.Column('suggestion', sa.Text(), nullable=False),
        sa.Column('self_filled', sa.Boolean(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=False),
        sa.Column('origin', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ['device_id'], ['devices.id'], name=op.f('fk_skm_responses_device_id_devices')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_responses')),
        sa.UniqueConstraint('uuid', name=op.f('uq_skm_responses_uuid')),
    )
    with op.batch_alter_table('skm_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skm_responses_created_at'), ['created_at'])
        batch_op.create_index(batch_op.f('ix_skm_responses_device_id'), ['device_id'])
        batch_op.create_index(batch_op.f('ix_skm_responses_post_code'), ['post_code'])


def downgrade() -> None:
    with op.batch_alter_table('skm_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skm_responses_post_code'))
        batch_op.drop_index(batch_op.f('ix_skm_responses_device_id'))
        batch_op.drop_index(batch_op.f('ix_skm_responses_created_at'))
    op.drop_table('skm_responses')
