"""quality partitions: per-day bookkeeping and results of incremental quality checks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quality_partition',
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('partition_date', sa.Date(), nullable=False),
    sa.Column('suite_version', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('dataset', 'partition_date', name=op.f('pk_quality_partition'))
    )
    op.create_table('quality_partition_result',
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('partition_date', sa.Date(), nullable=False),
    sa.Column('expectation_no', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=8), nullable=False),
    sa.Column('expectation_type', sa.String(length=128), nullable=False),
    sa.Column('column_name', sa.String(length=128), nullable=True),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('element_count', sa.BigInteger(), nullable=False),
    sa.Column('considered_count', sa.BigInteger(), nullable=False),
    sa.Column('unexpected_count', sa.BigInteger(), nullable=False),
    sa.Column('unexpected_percent', sa.Float(), nullable=True),
    sa.Column('example_key', sa.String(length=256), nullable=True),
    sa.PrimaryKeyConstraint('dataset', 'partition_date', 'expectation_no', name=op.f('pk_quality_partition_result'))
    )


def downgrade() -> None:
    op.drop_table('quality_partition_result')
    op.drop_table('quality_partition')
