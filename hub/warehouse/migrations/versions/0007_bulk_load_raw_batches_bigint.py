"""National-volume load path: raw landing per batch, content digests, 64-bit counters

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:10:00

- raw_record (one JSON text row per record version, ~1.8 kB each) becomes raw_batch: one row per
  stored batch holding its records' exact payloads as zlib-compressed JSON lines, keys beside them.
  Existing rows are carried over, 1,000 to a batch per load and stream.
- source_digest on the identity-keyed canonical tables: an unchanged record re-read is skipped.
- load_run.unchanged and batch_reconciliation.unchanged: of the loaded records, those already stored.
- Counters that pass 2^31 at national volume become BIGINT on PostgreSQL (SQLite's INTEGER is
  64-bit already): bytes received in a day reached 4,471,549,345 on the national scenario.
"""
from __future__ import annotations

import json
import zlib
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COUNTERS = {
    "load_run": ("fetched", "loaded", "quarantined"),
    "health_call": ("id", "bytes"),
    "metric_connection_health": ("calls", "calls_ok", "calls_http_4xx", "calls_http_5xx", "calls_timeout",
                                 "calls_reset", "calls_soap_fault", "calls_parse_error", "bytes_received"),
    "metric_online_filing_rate": ("dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal",
                                  "dossiers_no_channel"),
    "metric_dossier_reduction": ("dossiers_received", "dossiers_reusing_data", "attachments",
                                 "attachments_replaceable", "attachments_avoidable",
                                 "attachments_avoidable_verified"),
    "quality_run": ("rows_checked",),
    "quality_result": ("element_count", "unexpected_count"),
}
DIGEST_TABLES = ("dossier", "procedure", "sectoral_record")
CARRY_OVER_BATCH = 1000

raw_record = sa.table("raw_record", sa.column("source"), sa.column("stream"), sa.column("record_key"),
                      sa.column("payload"), sa.column("load_id"), sa.column("received_at"))
raw_batch = sa.table("raw_batch", sa.column("load_id"), sa.column("batch_no"), sa.column("source"),
                     sa.column("stream"), sa.column("partition"), sa.column("records"), sa.column("record_keys"),
                     sa.column("encoding"), sa.column("payload", sa.LargeBinary), sa.column("received_at"))


def upgrade() -> None:
    op.create_table(
        "raw_batch",
        sa.Column("load_id", sa.String(36), nullable=False),
        sa.Column("batch_no", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("partition", sa.String(64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("record_keys", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("load_id", "batch_no", name=op.f("pk_raw_batch")),
    )
    op.create_index("ix_raw_batch_source", "raw_batch", ["source", "stream"])
    _carry_raw_records_over()
    op.drop_table("raw_record")

    op.add_column("load_run", sa.Column("unchanged", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("batch_reconciliation", sa.Column("unchanged", sa.Integer(), nullable=False, server_default="0"))
    for table in DIGEST_TABLES:
        op.add_column(table, sa.Column("source_digest", sa.LargeBinary(16), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in {**COUNTERS, "load_run": COUNTERS["load_run"] + ("unchanged",)}.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.BigInteger())
        # a serial's sequence keeps its own 32-bit type unless told
        op.execute("ALTER SEQUENCE IF EXISTS health_call_id_seq AS bigint")


def _carry_raw_records_over() -> None:
    """Old per-record rows become batches of JSON lines, so no landed payload is lost."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(raw_record).order_by(raw_record.c.load_id, raw_record.c.source,
                                                       raw_record.c.stream, raw_record.c.record_key))
    group, batch_no, last_load = [], 0, None

    def flush() -> None:
        if not group:
            return
        first = group[0]
        bind.execute(raw_batch.insert().values(
            load_id=first.load_id, batch_no=batch_no, source=first.source, stream=first.stream, partition="",
            records=len(group), record_keys="\n".join(r.record_key for r in group), encoding="zlib+jsonl",
            payload=zlib.compress("\n".join(r.payload for r in group).encode("utf-8")),
            received_at=first.received_at or datetime.now(timezone.utc)))
        group.clear()

    for row in rows:
        same_run = group and (row.load_id, row.source, row.stream) == (group[0].load_id, group[0].source,
                                                                       group[0].stream)
        if group and (not same_run or len(group) >= CARRY_OVER_BATCH):
            flush()
        if row.load_id != last_load:
            batch_no, last_load = 0, row.load_id
        if not group:
            batch_no += 1
        group.append(row)
    flush()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in COUNTERS.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.Integer())
    for table in DIGEST_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source_digest")
    with op.batch_alter_table("batch_reconciliation") as batch:
        batch.drop_column("unchanged")
    with op.batch_alter_table("load_run") as batch:
        batch.drop_column("unchanged")
    op.create_table(
        "raw_record",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("record_key", sa.String(256), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("load_id", sa.String(36), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "stream", "record_key", "payload_sha256", name=op.f("pk_raw_record")),
    )
    import hashlib

    bind = op.get_bind()
    table = sa.table("raw_record", *(sa.column(n) for n in ("source", "stream", "record_key", "payload_sha256",
                                                            "payload", "load_id", "received_at")))
    seen = set()  # one row per distinct version, as raw_record kept them
    for batch in bind.execute(sa.select(raw_batch)).all():
        lines = zlib.decompress(batch.payload).decode("utf-8").split("\n")
        for key, line in zip(batch.record_keys.split("\n"), lines):
            text = json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True)
            sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if (batch.source, batch.stream, key, sha) in seen:
                continue
            seen.add((batch.source, batch.stream, key, sha))
            bind.execute(table.insert().values(source=batch.source, stream=batch.stream, record_key=key,
                                               payload_sha256=sha, payload=text, load_id=batch.load_id,
                                               received_at=batch.received_at))
    op.drop_index("ix_raw_batch_source", table_name="raw_batch")
    op.drop_table("raw_batch")
