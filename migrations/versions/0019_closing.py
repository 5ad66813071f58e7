"""closing: the family's final evaluation of an engagement, the agency's follow-up visit (回访), engagements by end date

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

import bot.store.db


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('final_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('stars', sa.JSON(), nullable=False),
    sa.Column('average', sa.Double(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('at', bot.store.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_final_evaluation_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_final_evaluation')),
    sa.UniqueConstraint('engagement_id', 'openid', name=op.f('uq_final_evaluation_engagement_id_openid'))
    )
    op.create_table('follow_up_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('scheduled_by', sa.Integer(), nullable=True),
    sa.Column('done_at', bot.store.db.UTCDateTime(), nullable=True),
    sa.Column('done_by', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.store.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_follow_up_visit_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['scheduled_by'], ['staff.id'], name=op.f('fk_follow_up_visit_scheduled_by_staff')),
    sa.ForeignKeyConstraint(['done_by'], ['staff.id'], name=op.f('fk_follow_up_visit_done_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_visit')),
    sa.UniqueConstraint('engagement_id', name=op.f('uq_follow_up_visit_engagement_id'))
    )
    op.create_index('ix_follow_up_visit_done_at_scheduled_for', 'follow_up_visit', ['done_at', 'scheduled_for'],
                    unique=False)
    op.create_index('ix_engagement_ends_on', 'engagement', ['ends_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_engagement_ends_on', table_name='engagement')
    op.drop_index('ix_follow_up_visit_done_at_scheduled_for', table_name='follow_up_visit')
    op.drop_table('follow_up_visit')
    op.drop_table('final_evaluation')
