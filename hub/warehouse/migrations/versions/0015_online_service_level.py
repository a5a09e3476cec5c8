"""the portal's procedures by level of online service (portal_service_level) and indicator 3.1 (metric_online_service_level)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_service_level',
    sa.Column('unit_code', sa.String(length=8), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('procedures', sa.Integer(), nullable=True),
    sa.Column('procedures_partial', sa.Integer(), nullable=True),
    sa.Column('procedures_full', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('unit_code', 'report_date', name=op.f('pk_portal_service_level'))
    )
    op.create_table('metric_online_service_level',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('unit_level', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=8), nullable=False),
    sa.Column('unit_name', sa.String(length=128), nullable=True),
    sa.Column('unit_known', sa.Boolean(), nullable=False),
    sa.Column('reported', sa.Boolean(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('portal_as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('procedures', sa.Integer(), nullable=True),
    sa.Column('procedures_partial', sa.Integer(), nullable=True),
    sa.Column('procedures_full', sa.Integer(), nullable=True),
    sa.Column('procedures_online', sa.Integer(), nullable=True),
    sa.Column('full_online_pct', sa.Float(), nullable=True),
    sa.Column('partial_online_pct', sa.Float(), nullable=True),
    sa.Column('online_pct', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', 'unit_level', 'unit_code', name=op.f('pk_metric_online_service_level'))
    )


def downgrade() -> None:
    op.drop_table('metric_online_service_level')
    op.drop_table('portal_service_level')
