"""binding relation: who a family member is to the baby (妈妈, 爸爸, 奶奶 …), said when binding

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: not said; the family sees 家人 (numbered when several rated the same day).
    op.add_column('binding', sa.Column('relation', sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column('binding', 'relation')
