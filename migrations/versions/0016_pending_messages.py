"""pending messages: an index to find the messages answered "in progress" (a voice being transcribed)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The voices job looks every minute for rows whose handler is message:voice:pending: without an index that
    # would read every message ever received.
    op.create_index('ix_inbound_message_handler_received_at', 'inbound_message', ['handler', 'received_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_inbound_message_handler_received_at', table_name='inbound_message')
