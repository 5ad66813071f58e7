"""console: a log of phone numbers staff saw in full (phone_view), the agency's logo for its badge cards

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

import bot.store.db


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('phone_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', bot.store.db.UTCDateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('engagement_id', sa.Integer(), nullable=True),
    sa.Column('page', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_phone_view_agency_id_agency')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_phone_view_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_phone_view_staff_id_staff')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_phone_view_worker_id_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_view'))
    )
    op.create_index('ix_phone_view_agency_id_at', 'phone_view', ['agency_id', 'at'], unique=False)
    with op.batch_alter_table('agency') as batch_op:
        batch_op.add_column(sa.Column('logo_png', sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), 'mariadb')
                                      .with_variant(mysql.MEDIUMBLOB(), 'mysql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agency') as batch_op:
        batch_op.drop_column('logo_png')
    op.drop_table('phone_view')
