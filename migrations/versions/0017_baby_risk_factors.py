"""baby risk factors: the AAP 2022 neurotoxicity risk factors the agency knows of (NULL: not known)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Comma-separated names (g6pd_deficiency,sepsis); "" means the agency said there are none; NULL: not known,
    # and the bilirubin rule then uses the lower (risk-factor) curves.
    op.add_column('baby', sa.Column('risk_factors', sa.String(length=120), nullable=True))


def downgrade() -> None:
    op.drop_column('baby', 'risk_factors')
