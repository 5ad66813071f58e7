"""security: signed push query strings seen within the replay window

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
import bot.store.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seen_push',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('dedup_key', sa.String(length=191), nullable=False),
    sa.Column('seen_at', bot.store.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_seen_push'))
    )
    with op.batch_alter_table('seen_push', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_push_seen_at'), ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_table('seen_push')
