"""initial warehouse

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 01:08:07.136081
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('admin_commune',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('full_name', sa.String(length=128), nullable=False),
    sa.Column('unit_type', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_admin_commune'))
    )
    with op.batch_alter_table('admin_commune', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_commune_province_code'), ['province_code'], unique=False)

    op.create_table('admin_province',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('full_name', sa.String(length=128), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('unit_type', sa.String(length=16), nullable=False),
    sa.Column('dvcqg_code', sa.String(length=8), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_admin_province')),
    sa.UniqueConstraint('dvcqg_code', name=op.f('uq_admin_province_dvcqg_code'))
    )
    op.create_table('admin_province_crosswalk',
    sa.Column('old_code', sa.String(length=2), nullable=False),
    sa.Column('old_full_name', sa.String(length=128), nullable=False),
    sa.Column('new_code', sa.String(length=2), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('old_code', name=op.f('pk_admin_province_crosswalk'))
    )
    op.create_table('batch_reconciliation',
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('batch_no', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('partition', sa.String(length=64), nullable=False),
    sa.Column('fetched', sa.Integer(), nullable=False),
    sa.Column('loaded', sa.Integer(), nullable=False),
    sa.Column('quarantined', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('load_id', 'batch_no', name=op.f('pk_batch_reconciliation'))
    )
    op.create_table('dossier',
    sa.Column('dossier_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('province_code_as_received', sa.String(length=8), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status_code', sa.SmallInteger(), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('owner_id_hash', sa.String(length=64), nullable=True),
    sa.Column('owner_id_kind', sa.String(length=16), nullable=False),
    sa.Column('has_digitised_component', sa.Boolean(), nullable=True),
    sa.Column('vneid_verified', sa.Boolean(), nullable=True),
    sa.Column('online_payment', sa.SmallInteger(), nullable=True),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_dossier'))
    )
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_received', ['received_date', 'province_code'], unique=False)

    op.create_table('health_call',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=128), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('http_status', sa.SmallInteger(), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_call'))
    )
    with op.batch_alter_table('health_call', schema=None) as batch_op:
        batch_op.create_index('ix_health_call_system_time', ['system', 'observed_at'], unique=False)

    op.create_table('load_run',
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('fetched', sa.Integer(), nullable=False),
    sa.Column('loaded', sa.Integer(), nullable=False),
    sa.Column('quarantined', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('load_id', name=op.f('pk_load_run'))
    )
    op.create_table('metric_online_filing_rate',
    sa.Column('unit_level', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('unit_name', sa.String(length=128), nullable=False),
    sa.Column('dossiers_received', sa.Integer(), nullable=False),
    sa.Column('dossiers_online', sa.Integer(), nullable=False),
    sa.Column('dossiers_direct', sa.Integer(), nullable=False),
    sa.Column('dossiers_postal', sa.Integer(), nullable=False),
    sa.Column('dossiers_no_channel', sa.Integer(), nullable=False),
    sa.Column('online_rate_pct', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('unit_level', 'unit_code', 'period_start', 'period_end', name=op.f('pk_metric_online_filing_rate'))
    )
    op.create_table('quality_result',
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('expectation_no', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=8), nullable=False),
    sa.Column('expectation_type', sa.String(length=128), nullable=False),
    sa.Column('column_name', sa.String(length=128), nullable=True),
    sa.Column('description_vi', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('element_count', sa.Integer(), nullable=True),
    sa.Column('unexpected_count', sa.Integer(), nullable=True),
    sa.Column('unexpected_percent', sa.Float(), nullable=True),
    sa.Column('observed_value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('run_id', 'expectation_no', name=op.f('pk_quality_result'))
    )
    op.create_table('quality_run',
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('suite', sa.String(length=128), nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows_checked', sa.Integer(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('expectations', sa.Integer(), nullable=False),
    sa.Column('expectations_passed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_quality_run'))
    )
    op.create_table('quarantine',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('record_key', sa.String(length=256), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('quarantined_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'stream', 'record_key', 'payload_sha256', name=op.f('pk_quarantine'))
    )
    op.create_table('raw_record',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('record_key', sa.String(length=256), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'stream', 'record_key', 'payload_sha256', name=op.f('pk_raw_record'))
    )
    op.create_table('sync_checkpoint',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('partition', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=256), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'stream', 'partition', name=op.f('pk_sync_checkpoint'))
    )


def downgrade() -> None:
    op.drop_table('sync_checkpoint')
    op.drop_table('raw_record')
    op.drop_table('quarantine')
    op.drop_table('quality_run')
    op.drop_table('quality_result')
    op.drop_table('metric_online_filing_rate')
    op.drop_table('load_run')
    with op.batch_alter_table('health_call', schema=None) as batch_op:
        batch_op.drop_index('ix_health_call_system_time')

    op.drop_table('health_call')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_received')

    op.drop_table('dossier')
    op.drop_table('batch_reconciliation')
    op.drop_table('admin_province_crosswalk')
    op.drop_table('admin_province')
    with op.batch_alter_table('admin_commune', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_commune_province_code'))

    op.drop_table('admin_commune')
