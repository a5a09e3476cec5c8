"""dossier reduction metric

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 02:13:24.117771
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('metric_dossier_reduction',
    sa.Column('unit_level', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('unit_name', sa.String(length=128), nullable=False),
    sa.Column('dossiers_received', sa.Integer(), nullable=False),
    sa.Column('dossiers_reusing_data', sa.Integer(), nullable=False),
    sa.Column('attachments', sa.Integer(), nullable=False),
    sa.Column('attachments_replaceable', sa.Integer(), nullable=False),
    sa.Column('attachments_avoidable', sa.Integer(), nullable=False),
    sa.Column('attachments_avoidable_verified', sa.Integer(), nullable=False),
    sa.Column('reuse_rate_pct', sa.Float(), nullable=True),
    sa.Column('avoidable_pct', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('unit_level', 'unit_code', 'period_start', 'period_end', name=op.f('pk_metric_dossier_reduction'))
    )


def downgrade() -> None:
    op.drop_table('metric_dossier_reduction')
