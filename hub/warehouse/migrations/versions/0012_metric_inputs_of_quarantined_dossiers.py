"""metric inputs of quarantined dossiers: dossier_metric_input; dossiers_quarantined_included on the online metrics, 766 and portal consistency

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('dossier_metric_input',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('record_key', sa.String(length=256), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.SmallInteger(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('commune_code', sa.String(length=8), nullable=True),
    sa.Column('procedure_code', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'record_key', name=op.f('pk_dossier_metric_input'))
    )
    op.create_index('ix_dossier_metric_input_received_date', 'dossier_metric_input', ['received_date'], unique=False)
    for table in ('metric_online_filing_rate', 'metric_online_filing_daily', 'metric_decision766'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('dossiers_quarantined_included', COUNT, nullable=False, server_default='0'))
    with op.batch_alter_table('metric_portal_consistency') as batch:
        batch.add_column(sa.Column('hub_quarantined_included', COUNT, nullable=False, server_default='0'))
    with op.batch_alter_table('metric_online_filing_daily') as batch:
        # a province code the units do not know is published as received (up to 8 characters)
        batch.alter_column('province_code', type_=sa.String(length=8), existing_type=sa.String(length=2),
                           existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('metric_portal_consistency') as batch:
        batch.drop_column('hub_quarantined_included')
    with op.batch_alter_table('metric_online_filing_daily') as batch:
        batch.alter_column('province_code', type_=sa.String(length=2), existing_type=sa.String(length=8),
                           existing_nullable=True)
    for table in ('metric_decision766', 'metric_online_filing_daily', 'metric_online_filing_rate'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('dossiers_quarantined_included')
    op.drop_index('ix_dossier_metric_input_received_date', table_name='dossier_metric_input')
    op.drop_table('dossier_metric_input')
