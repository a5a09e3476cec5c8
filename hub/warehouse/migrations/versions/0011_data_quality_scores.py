"""data quality scores: metric_data_quality; critical expectations in quality_result; dossier.text_nfc

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('quality_result') as batch:
        batch.add_column(sa.Column('critical', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('quality_run') as batch:
        batch.add_column(sa.Column('not_checked', sa.Text(), nullable=True))
    with op.batch_alter_table('dossier') as batch:
        batch.add_column(sa.Column('text_nfc', sa.Boolean(), nullable=True))
    op.create_table('metric_data_quality',
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=8), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('commune_code', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('rows_checked', COUNT, nullable=False),
    sa.Column('rows_failing', COUNT, nullable=False),
    sa.Column('score_pct', sa.Float(), nullable=True),
    sa.Column('example_check', sa.String(length=256), nullable=True),
    sa.Column('example_key', sa.String(length=256), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dataset', 'source', 'dimension', 'province_code', 'commune_code', 'day', 'origin',
                            name=op.f('pk_metric_data_quality'))
    )
    op.create_index('ix_metric_data_quality_day', 'metric_data_quality', ['day', 'province_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_metric_data_quality_day', table_name='metric_data_quality')
    op.drop_table('metric_data_quality')
    with op.batch_alter_table('dossier') as batch:
        batch.drop_column('text_nfc')
    with op.batch_alter_table('quality_run') as batch:
        batch.drop_column('not_checked')
    with op.batch_alter_table('quality_result') as batch:
        batch.drop_column('critical')
