"""connection health day and metric

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:45:27.122299
"""
from datetime import timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('metric_connection_health',
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('calls_ok', sa.Integer(), nullable=False),
    sa.Column('calls_http_4xx', sa.Integer(), nullable=False),
    sa.Column('calls_http_5xx', sa.Integer(), nullable=False),
    sa.Column('calls_timeout', sa.Integer(), nullable=False),
    sa.Column('calls_reset', sa.Integer(), nullable=False),
    sa.Column('calls_soap_fault', sa.Integer(), nullable=False),
    sa.Column('calls_parse_error', sa.Integer(), nullable=False),
    sa.Column('success_rate_pct', sa.Float(), nullable=False),
    sa.Column('avg_latency_ms', sa.Float(), nullable=True),
    sa.Column('max_latency_ms', sa.Float(), nullable=True),
    sa.Column('bytes_received', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('system', 'day', name=op.f('pk_metric_connection_health'))
    )
    with op.batch_alter_table('health_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('observed_date', sa.Date(), nullable=True))

    # Backfill the local day of observations recorded before this column existed.
    bind = op.get_bind()
    health_call = sa.table('health_call', sa.column('id', sa.Integer), sa.column('observed_at', sa.DateTime(timezone=True)),
                           sa.column('observed_date', sa.Date))
    local = ZoneInfo("Asia/Ho_Chi_Minh")
    for row_id, observed_at in bind.execute(sa.select(health_call.c.id, health_call.c.observed_at)).all():
        moment = observed_at if observed_at.tzinfo else observed_at.replace(tzinfo=timezone.utc)
        bind.execute(health_call.update().where(health_call.c.id == row_id)
                     .values(observed_date=moment.astimezone(local).date()))


def downgrade() -> None:
    with op.batch_alter_table('health_call', schema=None) as batch_op:
        batch_op.drop_column('observed_date')

    op.drop_table('metric_connection_health')
