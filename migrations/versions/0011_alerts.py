"""alerts: flag acknowledgement and escalation, the flag trail, one rating per family member, subscription grants

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

import bot.models.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('diary_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('family_acknowledged_at', bot.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalations', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('escalated_at', bot.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_diary_flag_severity_escalated',
                              ['severity', 'family_acknowledged_at', 'acknowledged_at'], unique=False)

    op.create_table('flag_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', bot.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['diary_flag.id'], name=op.f('fk_flag_event_flag_id_diary_flag')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_event'))
    )
    with op.batch_alter_table('flag_event', schema=None) as batch_op:
        batch_op.create_index('ix_flag_event_flag_id_at', ['flag_id', 'at'], unique=False)

    # Each family member rates for themselves: the new key first (it also serves the foreign key on MySQL).
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_rating_engagement_id_day_rated_by'),
                                          ['engagement_id', 'day', 'rated_by'])
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint('uq_rating_engagement_id_day', type_='unique')

    op.create_table('subscription_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('updated_at', bot.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_grant')),
    sa.UniqueConstraint('openid', 'template_id', name=op.f('uq_subscription_grant_openid_template_id'))
    )
    op.create_table('wechat_identity',
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('app', sa.String(length=8), nullable=False),
    sa.Column('unionid', sa.String(length=64), nullable=True),
    sa.Column('updated_at', bot.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('openid', name=op.f('pk_wechat_identity'))
    )
    with op.batch_alter_table('wechat_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_identity_unionid'), ['unionid'], unique=False)


def downgrade() -> None:
    op.drop_table('wechat_identity')
    op.drop_table('subscription_grant')
    # Back to one rating a day: keep each day's latest.
    op.execute(
        "DELETE FROM rating WHERE id NOT IN (SELECT id FROM (SELECT MAX(id) AS id FROM rating "
        "GROUP BY engagement_id, day) AS latest)"
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_rating_engagement_id_day', ['engagement_id', 'day'])
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_rating_engagement_id_day_rated_by'), type_='unique')
    op.drop_table('flag_event')
    with op.batch_alter_table('diary_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_diary_flag_severity_escalated')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalations')
        batch_op.drop_column('family_acknowledged_at')
        batch_op.drop_column('acknowledged_by')
