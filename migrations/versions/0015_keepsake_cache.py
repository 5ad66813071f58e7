"""keepsake cache: the engagement's keepsake PDF as last built, with the version of the diary it shows

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

import bot.store.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per engagement, replaced when its diary changes: a keepsake asked for again is served, not rebuilt.
    op.create_table('keepsake_cache',
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('built_at', bot.store.db.UTCDateTime(), nullable=False),
    sa.Column('pdf', sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), 'mariadb').with_variant(mysql.MEDIUMBLOB(), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_keepsake_cache_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('engagement_id', name=op.f('pk_keepsake_cache'))
    )


def downgrade() -> None:
    op.drop_table('keepsake_cache')
