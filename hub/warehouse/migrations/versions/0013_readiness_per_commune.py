"""readiness per commune and report date: metric_readiness_commune

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

CRITERIA = ("network", "online_meetings", "digitisation_equipment", "computers", "one_stop_staff",
            "digital_signatures", "official_certificates")


def upgrade() -> None:
    op.create_table('metric_readiness_commune',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('commune_name', sa.String(length=128), nullable=False),
    sa.Column('reporting', sa.Boolean(), nullable=False),
    sa.Column('meets_basic', sa.Boolean(), nullable=False),
    sa.Column('green', sa.Boolean(), nullable=False),
    sa.Column('criteria_met', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.Boolean(), nullable=False) for name in CRITERIA],
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', 'commune_code', name=op.f('pk_metric_readiness_commune'))
    )
    op.create_index('ix_metric_readiness_commune_province', 'metric_readiness_commune',
                    ['report_date', 'province_code'], unique=False)
    # the readiness dates published before this table existed are published again, with it
    op.execute("DELETE FROM publish_partition WHERE metric = 'readiness'")


def downgrade() -> None:
    op.drop_index('ix_metric_readiness_commune_province', table_name='metric_readiness_commune')
    op.drop_table('metric_readiness_commune')
