"""console: staff accounts of the back office, and the babies of an engagement

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
import bot.models.base


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('phone_digest', sa.String(length=64), nullable=True),
    sa.Column('display_name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', bot.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_login_at', bot.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', bot.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_staff_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_username')),
    sa.UniqueConstraint('phone_digest', name=op.f('uq_staff_phone_digest'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_agency_id'), ['agency_id'], unique=False)

    op.create_table('baby',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('nickname', sa.String(length=50), nullable=True),
    sa.Column('sex', sa.String(length=8), nullable=True),
    sa.Column('born_at', bot.models.base.UTCDateTime(), nullable=True),
    sa.Column('born_on', sa.Date(), nullable=True),
    sa.Column('gestation_weeks', sa.Integer(), nullable=True),
    sa.Column('birth_weight_g', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_baby_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_baby'))
    )
    with op.batch_alter_table('baby', schema=None) as batch_op:
        batch_op.create_index('ix_baby_engagement_id_position', ['engagement_id', 'position'], unique=True)

    # Every engagement opened before babies had a table has one baby: the one its own columns describe.
    op.execute(
        "INSERT INTO baby (engagement_id, position, nickname, born_on, birth_weight_g) "
        "SELECT id, 1, baby_nickname, baby_birth_date, birth_weight_g FROM engagement"
    )
    # Workers are searched by name in the console.
    with op.batch_alter_table('worker', schema=None) as batch_op:
        batch_op.create_index('ix_worker_agency_id_name', ['agency_id', 'name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('worker', schema=None) as batch_op:
        batch_op.drop_index('ix_worker_agency_id_name')
    op.drop_table('baby')
    op.drop_table('staff')
