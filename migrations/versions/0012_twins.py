"""twins: a diary entry names its baby

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Entries written before babies were told apart stay without one: the engagement's only baby is meant.
    with op.batch_alter_table('diary_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baby_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_diary_entry_baby_id_baby'), 'baby', ['baby_id'], ['id'])
        batch_op.create_index('ix_diary_entry_baby_id', ['baby_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('diary_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_diary_entry_baby_id_baby'), type_='foreignkey')
        batch_op.drop_index('ix_diary_entry_baby_id')
        batch_op.drop_column('baby_id')
