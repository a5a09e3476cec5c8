"""portal reported aggregates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 02:12:38.914202
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_reported_online',
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel_online', sa.Integer(), nullable=True),
    sa.Column('channel_direct', sa.Integer(), nullable=True),
    sa.Column('channel_postal', sa.Integer(), nullable=True),
    sa.Column('channel_total', sa.Integer(), nullable=True),
    sa.Column('online_dossiers', sa.Integer(), nullable=True),
    sa.Column('ratio_pct', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('province_code', 'period_start', 'period_end', name=op.f('pk_portal_reported_online'))
    )


def downgrade() -> None:
    op.drop_table('portal_reported_online')
