"""reach: our own count of customer-service messages, every try of every channel, the channel plan; SMS: family
and staff phones (encrypted), the number of an SMS notification, short /d/ links

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

import bot.store.db


revision = '0018'
down_revision = '0017'
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
        batch_op.add_column(sa.Column('phone_enc', sa.Text(), nullable=True))
    with op.batch_alter_table('engagement') as batch_op:
        batch_op.add_column(sa.Column('family_phones_enc', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('family_phones_consent_at', bot.store.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('family_phones_consent_by', sa.String(length=64), nullable=True))
    with op.batch_alter_table('staff') as batch_op:
        batch_op.add_column(sa.Column('phone_enc', sa.Text(), nullable=True))
    op.create_table('short_link',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', bot.store.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_short_link_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['flag_id'], ['diary_flag.id'], name=op.f('fk_short_link_flag_id_diary_flag')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_short_link'))
    )


def downgrade() -> None:
    op.drop_table('short_link')
    with op.batch_alter_table('staff') as batch_op:
        batch_op.drop_column('phone_enc')
    with op.batch_alter_table('engagement') as batch_op:
        batch_op.drop_column('family_phones_consent_by')
        batch_op.drop_column('family_phones_consent_at')
        batch_op.drop_column('family_phones_enc')
    with op.batch_alter_table('notification') as batch_op:
        batch_op.drop_column('phone_enc')
        batch_op.drop_column('plan')
    op.drop_index(op.f('ix_delivery_attempt_notification_id'), table_name='delivery_attempt')
    op.drop_index('ix_delivery_attempt_at', table_name='delivery_attempt')
    op.drop_table('delivery_attempt')
    op.drop_table('custom_quota')
