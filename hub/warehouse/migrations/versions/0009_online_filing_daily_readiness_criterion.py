"""online filing daily facts, readiness per criterion, publish partitions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('metric_online_filing_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_level', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=16), nullable=False),
    sa.Column('breakdown', sa.String(length=16), nullable=False),
    sa.Column('breakdown_code', sa.String(length=64), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('unit_name', sa.String(length=128), nullable=False),
    sa.Column('dossiers_received', COUNT, nullable=False),
    sa.Column('dossiers_online', COUNT, nullable=False),
    sa.Column('dossiers_direct', COUNT, nullable=False),
    sa.Column('dossiers_postal', COUNT, nullable=False),
    sa.Column('dossiers_no_channel', COUNT, nullable=False),
    sa.Column('online_rate_pct', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', 'unit_level', 'unit_code', 'breakdown', 'breakdown_code',
                            name=op.f('pk_metric_online_filing_daily'))
    )
    op.create_table('metric_readiness_criterion',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('unit_level', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=8), nullable=False),
    sa.Column('criterion', sa.String(length=32), nullable=False),
    sa.Column('communes', sa.Integer(), nullable=False),
    sa.Column('communes_meeting', sa.Integer(), nullable=False),
    sa.Column('meeting_pct', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', 'unit_level', 'unit_code', 'criterion',
                            name=op.f('pk_metric_readiness_criterion'))
    )
    op.create_table('publish_partition',
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('partition_date', sa.Date(), nullable=False),
    sa.Column('row_count', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('metric', 'partition_date', name=op.f('pk_publish_partition'))
    )


def downgrade() -> None:
    op.drop_table('publish_partition')
    op.drop_table('metric_readiness_criterion')
    op.drop_table('metric_online_filing_daily')
