"""procedure levels per commune (procedure_level) and the online rate within online-capable procedures and indicator 3.4 in metric_online_filing_daily

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LEVEL_COUNTS = ("dossiers_online_capable", "dossiers_online_capable_online", "dossiers_full_process",
                "dossiers_full_process_online", "dossiers_level_unknown", "dossiers_level_read_later")
RATES = ("online_capable_rate_pct", "full_process_rate_pct")


def upgrade() -> None:
    op.create_table('procedure_level',
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('read_date', sa.Date(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('procedure_code', 'commune_code', 'read_date', name=op.f('pk_procedure_level'))
    )
    with op.batch_alter_table('metric_online_filing_daily') as batch:
        for name in LEVEL_COUNTS:
            batch.add_column(sa.Column(name, COUNT, nullable=False, server_default='0'))
        for name in RATES:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
    # The published days hold no level counts yet (the defaults above): publish them all again.
    op.execute("DELETE FROM publish_partition WHERE metric = 'online_filing_daily'")


def downgrade() -> None:
    with op.batch_alter_table('metric_online_filing_daily') as batch:
        for name in RATES + LEVEL_COUNTS[::-1]:
            batch.drop_column(name)
    op.drop_table('procedure_level')
