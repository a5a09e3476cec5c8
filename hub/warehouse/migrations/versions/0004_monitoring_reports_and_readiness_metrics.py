"""monitoring reports and readiness metrics

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 01:54:20.473816
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commune_report',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('network', sa.Boolean(), nullable=True),
    sa.Column('online_meetings', sa.Boolean(), nullable=True),
    sa.Column('digitisation_equipment', sa.Boolean(), nullable=True),
    sa.Column('computers', sa.Boolean(), nullable=True),
    sa.Column('one_stop_staff', sa.Boolean(), nullable=True),
    sa.Column('digital_signatures', sa.Boolean(), nullable=True),
    sa.Column('official_certificates', sa.Boolean(), nullable=True),
    sa.Column('reported_meets_basic', sa.Boolean(), nullable=True),
    sa.Column('reported_status', sa.String(length=8), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', 'commune_code', name=op.f('pk_commune_report'))
    )
    with op.batch_alter_table('commune_report', schema=None) as batch_op:
        batch_op.create_index('ix_commune_report_province', ['report_date', 'province_code'], unique=False)

    op.create_table('metric_readiness_nation',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('provinces_green', sa.Integer(), nullable=False),
    sa.Column('provinces_yellow', sa.Integer(), nullable=False),
    sa.Column('provinces_red', sa.Integer(), nullable=False),
    sa.Column('provinces_reporting', sa.Integer(), nullable=False),
    sa.Column('communes', sa.Integer(), nullable=False),
    sa.Column('communes_reporting', sa.Integer(), nullable=False),
    sa.Column('communes_green', sa.Integer(), nullable=False),
    sa.Column('communes_basic', sa.Integer(), nullable=False),
    sa.Column('communes_staffed', sa.Integer(), nullable=False),
    sa.Column('basic_pct', sa.Float(), nullable=True),
    sa.Column('staffed_pct', sa.Float(), nullable=True),
    sa.Column('provinces_over_50pct_green', sa.Integer(), nullable=False),
    sa.Column('provinces_over_70pct_green', sa.Integer(), nullable=False),
    sa.Column('provinces_all_green', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', name=op.f('pk_metric_readiness_nation'))
    )
    op.create_table('metric_readiness_province',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('province_name', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=True),
    sa.Column('communes', sa.Integer(), nullable=False),
    sa.Column('communes_reporting', sa.Integer(), nullable=False),
    sa.Column('communes_green', sa.Integer(), nullable=False),
    sa.Column('communes_basic', sa.Integer(), nullable=False),
    sa.Column('communes_staffed', sa.Integer(), nullable=False),
    sa.Column('green_pct', sa.Float(), nullable=True),
    sa.Column('basic_pct', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', 'province_code', name=op.f('pk_metric_readiness_province'))
    )
    op.create_table('province_report',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('tasks_overdue', sa.Integer(), nullable=True),
    sa.Column('communes', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', 'province_code', name=op.f('pk_province_report'))
    )
    op.create_table('province_task_status',
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('status_text', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_date', 'province_code', 'task_code', name=op.f('pk_province_task_status'))
    )


def downgrade() -> None:
    op.drop_table('province_task_status')
    op.drop_table('province_report')
    op.drop_table('metric_readiness_province')
    op.drop_table('metric_readiness_nation')
    with op.batch_alter_table('commune_report', schema=None) as batch_op:
        batch_op.drop_index('ix_commune_report_province')

    op.drop_table('commune_report')
