"""the source's own total beside what each read fetched (source_read)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_read',
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('partition', sa.String(length=64), nullable=False),
    sa.Column('batch_no', sa.Integer(), nullable=False),
    sa.Column('read_from', sa.String(length=32), nullable=True),
    sa.Column('read_to', sa.String(length=32), nullable=True),
    sa.Column('fetched', sa.BigInteger(), nullable=False),
    sa.Column('source_total', sa.BigInteger(), nullable=True),
    sa.Column('read_date', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('load_id', 'source', 'stream', 'partition', name=op.f('pk_source_read'))
    )
    op.create_index('ix_source_read_read_date', 'source_read', ['read_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_source_read_read_date', table_name='source_read')
    op.drop_table('source_read')
