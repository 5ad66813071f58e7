"""push key: the replay record is a column of the message it carried

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa

import bot.store.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A signed query string is remembered on the inbound_message row it carried (one INSERT a push instead
    # of two transactions); seen_push rows only ever lived for the replay window, so none is carried over.
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('push_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_inbound_message_push_key'), ['push_key'])
    op.drop_table('seen_push')


def downgrade() -> None:
    op.create_table('seen_push',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('dedup_key', sa.String(length=191), nullable=False),
    sa.Column('seen_at', bot.store.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_seen_push'))
    )
    with op.batch_alter_table('seen_push', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_push_seen_at'), ['seen_at'], unique=False)
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_inbound_message_push_key'), type_='unique')
        batch_op.drop_column('push_key')
