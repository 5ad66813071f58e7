"""reach: our own count of customer-service messages, every try of every channel, the channel plan

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

import bot.store.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('custom_quota',
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('opened_at', bot.store.db.UTCDateTime(), nullable=True),
    sa.Column('used', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('openid', name=op.f('pk_custom_quota'))
    )
    op.create_table('delivery_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=255), nullable=True),
    sa.Column('at', bot.store.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempt'))
    )
    op.create_index('ix_delivery_attempt_at', 'delivery_attempt', ['at'], unique=False)
    op.create_index(op.f('ix_delivery_attempt_notification_id'), 'delivery_attempt', ['notification_id'], unique=False)
    with op.batch_alter_table('notification') as batch_op:
        batch_op.add_column(sa.Column('plan', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification') as batch_op:
        batch_op.drop_column('plan')
    op.drop_index(op.f('ix_delivery_attempt_notification_id'), table_name='delivery_attempt')
    op.drop_index('ix_delivery_attempt_at', table_name='delivery_attempt')
    op.drop_table('delivery_attempt')
    op.drop_table('custom_quota')
