"""additive per-day facts for Decision 766 and the per-component reduction: dossier_day_facts, component_day_facts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOSSIER_COUNTS = ("total", "online", "direct", "postal", "no_channel", "paid_online", "payment_synced", "digitised",
                  "reusing", "from_store", "vneid")


def upgrade() -> None:
    op.create_table('dossier_day_facts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    *[sa.Column(name, COUNT, nullable=False) for name in DOSSIER_COUNTS],
    sa.PrimaryKeyConstraint('day', 'province_code', name=op.f('pk_dossier_day_facts'))
    )
    op.create_table('component_day_facts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('component_code', sa.String(length=64), nullable=False),
    sa.Column('submitted', COUNT, nullable=False),
    sa.Column('replaced', COUNT, nullable=False),
    sa.PrimaryKeyConstraint('day', 'procedure_code', 'component_code', name=op.f('pk_component_day_facts'))
    )


def downgrade() -> None:
    op.drop_table('component_day_facts')
    op.drop_table('dossier_day_facts')
