"""The warehouse schema: raw landing, canonical tables, bookkeeping, quality, metrics.

Timestamps are UTC. Natural keys are primary keys, so every load is an upsert and re-running
a sync never duplicates. Personal IDs exist only as keyed hashes (``*_hash`` columns).
Changes go through Alembic (hub/warehouse/migrations); tables named ``metric_*`` are the
public contract for dashboards (docs/metrics.md).
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Float, Index, Integer, LargeBinary, MetaData, SmallInteger, String,
    Table, Text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
})

UTC = DateTime(timezone=True)
# Counters that can pass 2^31 at national volume (bytes, calls, records): 64-bit on PostgreSQL.
# SQLite's INTEGER is already 64-bit, and only INTEGER PRIMARY KEY is its auto-incrementing rowid.
Count = BigInteger().with_variant(Integer(), "sqlite")
# A record's content digest (BLAKE2b-128 of its scrubbed payload and its mapping): a re-sync of an
# unchanged record is recognised by it and costs no write.
Digest = LargeBinary(16)


def lineage() -> tuple[Column, Column]:
    """Which load wrote a canonical row, and when: every canonical table ends with these."""
    return Column("load_id", String(36), nullable=False), Column("loaded_at", UTC, nullable=False)

# --- bookkeeping --------------------------------------------------------------------------
load_run = Table(
    "load_run", metadata,
    Column("load_id", String(36), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("started_at", UTC, nullable=False),
    Column("finished_at", UTC),
    Column("status", String(16), nullable=False),  # running | succeeded | failed
    Column("fetched", Count, nullable=False, default=0),
    Column("loaded", Count, nullable=False, default=0),
    Column("quarantined", Count, nullable=False, default=0),
    Column("unchanged", Count, nullable=False, default=0),  # of loaded: already stored, not written again
    Column("error", Text),
)

batch_reconciliation = Table(
    "batch_reconciliation", metadata,
    Column("load_id", String(36), primary_key=True),
    Column("batch_no", Integer, primary_key=True),
    Column("source", String(64), nullable=False),
    Column("stream", String(64), nullable=False),
    Column("partition", String(64), nullable=False),
    Column("fetched", Integer, nullable=False),
    Column("loaded", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False, default=0),  # of loaded: already stored, not written again
    Column("recorded_at", UTC, nullable=False),
)

# One row per completed read (one query of a partition, all its pages: connectors.base.ReadCount):
# the records it handed over beside the total the source reported for that same query, NULL when the
# source reports none. Written with the read's last batch; the quality check "đủ" compares the two.
source_read = Table(
    "source_read", metadata,
    Column("load_id", String(36), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("partition", String(64), primary_key=True),
    Column("batch_no", Integer, nullable=False),  # the read's last batch (batch_reconciliation)
    Column("read_from", String(32)),  # the query's bounds as sent (the portal's tungay, denngay)
    Column("read_to", String(32)),
    Column("fetched", Count, nullable=False),
    Column("source_total", Count),  # NULL: not reported
    Column("read_date", Date, nullable=False),  # local (Asia/Ho_Chi_Minh) day the read ended
    Column("recorded_at", UTC, nullable=False),
)
Index("ix_source_read_read_date", source_read.c.read_date)

sync_checkpoint = Table(
    "sync_checkpoint", metadata,
    Column("source", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("partition", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("load_id", String(36), nullable=False),
    Column("updated_at", UTC, nullable=False),
)

# --- raw landing (PII already scrubbed) ----------------------------------------------------
# One row per stored batch: the exact payloads of its new or changed records as compressed JSON
# lines, with their keys in the same order (hub/warehouse/raw.py reads them back for replay and
# audit). A record re-read unchanged is not landed again.
raw_batch = Table(
    "raw_batch", metadata,
    Column("load_id", String(36), primary_key=True),
    Column("batch_no", Integer, primary_key=True),
    Column("source", String(64), nullable=False),
    Column("stream", String(64), nullable=False),
    Column("partition", String(64), nullable=False),
    Column("records", Integer, nullable=False),
    Column("record_keys", Text, nullable=False),  # newline-separated, in payload order
    Column("encoding", String(16), nullable=False),  # how payload is packed: zstd+jsonl (zlib+jsonl for rows carried over by 0007)
    Column("payload", LargeBinary, nullable=False),
    Column("received_at", UTC, nullable=False),
)
Index("ix_raw_batch_source", raw_batch.c.source, raw_batch.c.stream)

quarantine = Table(
    "quarantine", metadata,
    Column("source", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("record_key", String(256), primary_key=True),
    Column("payload_sha256", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("load_id", String(36), nullable=False),
    Column("quarantined_at", UTC, nullable=False),
)

# What a metric needs of a record quarantined for a defect outside those inputs (mappings declare it:
# ``metric_inputs``), so the dossier still counts while it waits in quarantine. Keyed like its
# quarantine row; no personal data. Written with the quarantine row, removed when the record loads
# or is mapped again (mappings/engine.py, hub/warehouse/load.py).
dossier_metric_input = Table(
    "dossier_metric_input", metadata,
    Column("source", String(64), primary_key=True),
    Column("record_key", String(256), primary_key=True),
    Column("payload_sha256", String(64), nullable=False),  # the quarantine row it stands for
    Column("status_code", SmallInteger, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("received_date", Date, nullable=False),
    Column("province_code", String(8), nullable=False),  # GSO code; a code the units do not know, as received
    Column("commune_code", String(8)),  # current commune code, a code the units do not know, or NULL
    Column("procedure_code", String(64)),  # NULL when the record lacks a valid one
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)
Index("ix_dossier_metric_input_received_date", dossier_metric_input.c.received_date)

# --- reference: administrative units -------------------------------------------------------
admin_province = Table(
    "admin_province", metadata,
    Column("code", String(2), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("full_name", String(128), nullable=False),
    Column("name_en", String(128), nullable=False),
    Column("unit_type", String(16), nullable=False),
    Column("dvcqg_code", String(8), nullable=False, unique=True),
    Column("valid_from", Date, nullable=False),
)

admin_commune = Table(
    "admin_commune", metadata,
    Column("code", String(5), primary_key=True),
    Column("province_code", String(2), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("full_name", String(128), nullable=False),
    Column("unit_type", String(16), nullable=False),
    Column("valid_from", Date, nullable=False),
)

admin_province_crosswalk = Table(
    "admin_province_crosswalk", metadata,
    Column("old_code", String(2), primary_key=True),
    Column("old_full_name", String(128), nullable=False),
    Column("new_code", String(2), nullable=False),
    Column("valid_to", Date, nullable=False),
)

admin_commune_crosswalk = Table(
    "admin_commune_crosswalk", metadata,
    Column("old_code", String(5), primary_key=True),
    Column("new_code", String(5), primary_key=True),
    Column("partial", Boolean, nullable=False),  # the old commune was split; this is one piece
    Column("valid_to", Date, nullable=False),
)

# --- canonical ---------------------------------------------------------------------------
dossier = Table(
    "dossier", metadata,
    Column("dossier_id", String(64), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("procedure_code", String(64), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("province_code_as_received", String(8)),
    Column("commune_code", String(5)),
    Column("commune_code_as_received", String(8)),
    Column("channel", String(16), nullable=False),  # online | direct | postal | unknown
    Column("status_code", SmallInteger, nullable=False),
    Column("subject_type", String(16)),
    Column("submitted_at", UTC),
    Column("received_at", UTC, nullable=False),
    Column("received_date", Date, nullable=False),  # local (Asia/Ho_Chi_Minh) day of receipt
    Column("due_at", UTC),
    Column("finished_at", UTC),
    Column("returned_at", UTC),
    Column("updated_at", UTC, nullable=False),
    Column("owner_id_hash", String(64)),
    Column("owner_id_kind", String(16), nullable=False),
    Column("has_digitised_component", Boolean),
    Column("vneid_verified", Boolean),
    Column("online_payment", SmallInteger),
    Column("text_nfc", Boolean),  # the source's free text came in Unicode NFC (NULL: no non-ASCII text)
    Column("source_digest", Digest),
    *lineage(),
)
Index("ix_dossier_received", dossier.c.received_date, dossier.c.province_code)

dossier_attachment = Table(
    "dossier_attachment", metadata,
    Column("dossier_id", String(64), primary_key=True),
    Column("attachment_id", String(128), primary_key=True),
    Column("component_code", String(64)),
    Column("is_deleted", Boolean, nullable=False),
    Column("digitised", Boolean),
    Column("reuse_state", SmallInteger),  # 0 not reused, 1 reused digitised data, 2 reused another result
    Column("from_personal_store", Boolean),
    Column("replaced_by_result_code", String(64)),
    Column("updated_at", UTC, nullable=False),  # the parent dossier's version
    *lineage(),
)

procedure = Table(
    "procedure", metadata,
    Column("procedure_code", String(64), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("field_code", String(64)),
    Column("field_name", Text),
    Column("updated_at", UTC, nullable=False),
    Column("source_digest", Digest),
    *lineage(),
)

procedure_component = Table(
    "procedure_component", metadata,
    Column("procedure_code", String(64), primary_key=True),
    Column("component_code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("originals", SmallInteger),
    Column("copies", SmallInteger),
    Column("replaced_by_result_code", String(64)),
    Column("replaceable_by", String(64)),  # the national/sectoral database whose data can replace it
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

# A procedure's level of online service in one commune (2 information only, 3 partial online, 4
# full-process online) as read on one day: the portal gives the current level only, so each read is a
# dated snapshot. The level holds from its read until the pair's next read; a dossier counts under the
# latest read on or before its receipt day (the first read for days before it). Reading a pair again
# the same day replaces that day's row; a later read adds a row.
procedure_level = Table(
    "procedure_level", metadata,
    Column("procedure_code", String(64), primary_key=True),
    Column("commune_code", String(5), primary_key=True),
    Column("read_date", Date, primary_key=True),  # local (Asia/Ho_Chi_Minh) day of the read
    Column("level", SmallInteger, nullable=False),
    Column("read_at", UTC, nullable=False),  # when the portal was asked (its clock)
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

citizen_verification = Table(
    "citizen_verification", metadata,
    Column("subject_id_hash", String(64), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("outcome", String(16), nullable=False),  # match | mismatch | not_found | malformed_id | fault
    Column("exists_in_source", Boolean),
    Column("name_matches", Boolean),
    Column("birth_date_matches", Boolean),
    Column("updated_at", UTC, nullable=False),  # when verified
    *lineage(),
)

sectoral_record = Table(
    "sectoral_record", metadata,
    Column("source", String(64), primary_key=True),
    Column("record_key", String(256), primary_key=True),
    Column("record_type", String(64), nullable=False),
    Column("subject_id_hash", String(64)),
    Column("subject_id_kind", String(16)),
    Column("province_code", String(2)),
    Column("commune_code", String(5)),
    Column("commune_code_as_received", String(8)),
    Column("event_date", Date),
    Column("attributes", Text),  # JSON of the source-specific fields the mapping keeps
    Column("updated_at", UTC, nullable=False),
    Column("source_digest", Digest),
    *lineage(),
)
Index("ix_sectoral_record_subject", sectoral_record.c.subject_id_hash)

portal_reported_online = Table(
    "portal_reported_online", metadata,
    Column("province_code", String(2), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, primary_key=True),
    Column("as_of", UTC),
    Column("channel_online", Integer),  # the portal's own sums, as received (NULL is not 0)
    Column("channel_direct", Integer),
    Column("channel_postal", Integer),
    Column("channel_total", Integer),
    Column("online_dossiers", Integer),
    Column("ratio_pct", Float),
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

# The portal's procedures by the highest level of online service they reach (indicator 3.1), per
# province or nation and the day it was asked: a snapshot of the catalogue, not a sum over the period.
portal_service_level = Table(
    "portal_service_level", metadata,
    Column("unit_code", String(8), primary_key=True),  # GSO province code, or 'VN' for the nation
    Column("report_date", Date, primary_key=True),  # the request's toDate: the day the portal was asked
    Column("period_start", Date, nullable=False),  # the request's fromDate
    Column("as_of", UTC),
    Column("procedures", Integer),  # authorityCount, as received (NULL is not 0)
    Column("procedures_partial", Integer),  # partialCount: highest level partial online
    Column("procedures_full", Integer),  # fullCount: highest level full-process online
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

# --- monitoring reports (Resolution 57 / Plan 02 monitoring system) -------------------------
province_report = Table(
    "province_report", metadata,
    Column("report_date", Date, primary_key=True),
    Column("province_code", String(2), primary_key=True),
    Column("status", String(8), nullable=False),  # green | yellow | red, as reported
    Column("tasks_overdue", Integer),
    Column("communes", Integer),
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

province_task_status = Table(
    "province_task_status", metadata,
    Column("report_date", Date, primary_key=True),
    Column("province_code", String(2), primary_key=True),
    Column("task_code", String(32), primary_key=True),
    Column("deadline", Date),
    Column("completed_on", Date),
    Column("status_text", String(64)),
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

commune_report = Table(
    "commune_report", metadata,
    Column("report_date", Date, primary_key=True),
    Column("commune_code", String(5), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("submitted_at", UTC),
    Column("on_time", Boolean),  # sent before the 16:00 cut-off
    Column("network", Boolean),
    Column("online_meetings", Boolean),
    Column("digitisation_equipment", Boolean),
    Column("computers", Boolean),
    Column("one_stop_staff", Boolean),
    Column("digital_signatures", Boolean),
    Column("official_certificates", Boolean),
    Column("reported_meets_basic", Boolean),
    Column("reported_status", String(8)),
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)
Index("ix_commune_report_province", commune_report.c.report_date, commune_report.c.province_code)

# --- connection health -------------------------------------------------------------------
health_call = Table(
    "health_call", metadata,
    Column("id", Count, primary_key=True, autoincrement=True),
    Column("system", String(64), nullable=False),
    Column("endpoint", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("http_status", SmallInteger),
    Column("latency_ms", Float),
    Column("bytes", Count, nullable=False, default=0),
    Column("observed_at", UTC, nullable=False),
    Column("observed_date", Date),  # local (Asia/Ho_Chi_Minh) day, for day-grain roll-ups
    Column("load_id", String(36)),
)
Index("ix_health_call_system_time", health_call.c.system, health_call.c.observed_at)

# --- quality -------------------------------------------------------------------------------
quality_run = Table(
    "quality_run", metadata,
    Column("run_id", String(36), primary_key=True),
    Column("dataset", String(64), nullable=False),
    Column("suite", String(128), nullable=False),
    Column("run_at", UTC, nullable=False),
    Column("rows_checked", Count, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("expectations", Integer, nullable=False),
    Column("expectations_passed", Integer, nullable=False),
    Column("not_checked", Text),  # why nothing was checked (no rows, a table or columns missing), else NULL
)

quality_result = Table(
    "quality_result", metadata,
    Column("run_id", String(36), primary_key=True),
    Column("expectation_no", Integer, primary_key=True),
    Column("dimension", String(8), nullable=False),  # dung | du | sach | song
    Column("expectation_type", String(128), nullable=False),
    Column("column_name", String(128)),
    Column("description_vi", Text, nullable=False),
    Column("description_en", Text, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("element_count", Count),
    Column("unexpected_count", Count),
    Column("unexpected_percent", Float),
    Column("observed_value", Text),
    Column("critical", Boolean, nullable=False, default=False),  # a failure stops publishing
)

# Incremental checks (quality/run.py): what each day partition held when it was last checked, and
# its row-by-row results then; a day is checked again only when its rows or the suite change.
quality_partition = Table(
    "quality_partition", metadata,
    Column("dataset", String(64), primary_key=True),
    Column("partition_date", Date, primary_key=True),  # local (Asia/Ho_Chi_Minh) day
    Column("suite_version", String(64), nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("changed_at", UTC),  # the newest loaded_at among the partition's rows when checked
    Column("run_id", String(36), nullable=False),  # the run that checked it
    Column("checked_at", UTC, nullable=False),
    Column("success", Boolean, nullable=False),
)

quality_partition_result = Table(
    "quality_partition_result", metadata,
    Column("dataset", String(64), primary_key=True),
    Column("partition_date", Date, primary_key=True),
    Column("expectation_no", Integer, primary_key=True),
    Column("dimension", String(8), nullable=False),
    Column("expectation_type", String(128), nullable=False),
    Column("column_name", String(128)),
    Column("success", Boolean, nullable=False),
    Column("element_count", BigInteger, nullable=False),
    Column("considered_count", BigInteger, nullable=False),  # rows the expectation judged (non-null values)
    Column("unexpected_count", BigInteger, nullable=False),
    Column("unexpected_percent", Float),
    Column("example_key", String(256)),  # one row holding an unexpected value (e.g. a dossier number)
)

# --- published metrics (public contract) ----------------------------------------------------
# Scores of "đúng, đủ, sạch, sống" per dataset, source, dimension, province, commune and day; rows the
# suites checked (origin "check") and records the mappings rejected (origin "quarantine", unit unknown: '').
metric_data_quality = Table(
    "metric_data_quality", metadata,
    Column("dataset", String(64), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("dimension", String(8), primary_key=True),  # dung | du | sach | song
    Column("province_code", String(8), primary_key=True),  # '' when the dataset has none or it is unknown
    Column("commune_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),  # the dataset's local day partition (rejections: day rejected)
    Column("origin", String(16), primary_key=True),  # check | quarantine
    Column("rows_checked", Count, nullable=False),
    Column("rows_failing", Count, nullable=False),
    Column("score_pct", Float),  # 100 × (rows_checked − rows_failing) ÷ rows_checked
    Column("example_check", String(256)),  # the failing expectation, or the rejection reason
    Column("example_key", String(256)),  # one failing row's key, personal digits masked
    Column("computed_at", UTC, nullable=False),
)
Index("ix_metric_data_quality_day", metric_data_quality.c.day, metric_data_quality.c.province_code)

metric_dossier_reduction = Table(
    "metric_dossier_reduction", metadata,
    Column("unit_level", String(16), primary_key=True),  # nation | province
    Column("unit_code", String(8), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, primary_key=True),
    Column("unit_name", String(128), nullable=False),
    Column("dossiers_received", Count, nullable=False),
    Column("dossiers_reusing_data", Count, nullable=False),
    Column("attachments", Count, nullable=False),
    Column("attachments_replaceable", Count, nullable=False),
    Column("attachments_avoidable", Count, nullable=False),
    Column("attachments_avoidable_verified", Count, nullable=False),
    Column("reuse_rate_pct", Float),
    Column("avoidable_pct", Float),
    Column("computed_at", UTC, nullable=False),
)

# The monitoring checklist's criteria (commune_report columns), in the centre's order.
READINESS_CRITERIA = ("network", "online_meetings", "digitisation_equipment", "computers", "one_stop_staff",
                      "digital_signatures", "official_certificates")

metric_readiness_province = Table(
    "metric_readiness_province", metadata,
    Column("report_date", Date, primary_key=True),
    Column("province_code", String(2), primary_key=True),
    Column("province_name", String(128), nullable=False),
    Column("status", String(8)),  # the province's reported heat-map colour; NULL when it did not report
    Column("communes", Integer, nullable=False),
    Column("communes_reporting", Integer, nullable=False),
    Column("communes_green", Integer, nullable=False),
    Column("communes_basic", Integer, nullable=False),
    Column("communes_staffed", Integer, nullable=False),
    Column("green_pct", Float),  # of the province's communes
    Column("basic_pct", Float),
    Column("computed_at", UTC, nullable=False),
)

metric_readiness_commune = Table(
    "metric_readiness_commune", metadata,
    Column("report_date", Date, primary_key=True),
    Column("commune_code", String(5), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("commune_name", String(128), nullable=False),
    Column("reporting", Boolean, nullable=False),  # its report arrived before the day's 16:00 cut-off
    Column("meets_basic", Boolean, nullable=False),  # every basic PASC condition, reported by the cut-off
    Column("green", Boolean, nullable=False),  # the basic conditions plus signatures and certificates
    Column("criteria_met", Integer, nullable=False),  # of the 7 checklist criteria, reported by the cut-off
    *[Column(name, Boolean, nullable=False) for name in READINESS_CRITERIA],
    Column("computed_at", UTC, nullable=False),
)
Index("ix_metric_readiness_commune_province", metric_readiness_commune.c.report_date,
      metric_readiness_commune.c.province_code)

metric_readiness_nation = Table(
    "metric_readiness_nation", metadata,
    Column("report_date", Date, primary_key=True),
    Column("provinces_green", Integer, nullable=False),
    Column("provinces_yellow", Integer, nullable=False),
    Column("provinces_red", Integer, nullable=False),
    Column("provinces_reporting", Integer, nullable=False),
    Column("communes", Integer, nullable=False),
    Column("communes_reporting", Integer, nullable=False),
    Column("communes_green", Integer, nullable=False),
    Column("communes_basic", Integer, nullable=False),
    Column("communes_staffed", Integer, nullable=False),
    Column("basic_pct", Float),
    Column("staffed_pct", Float),
    Column("provinces_over_50pct_green", Integer, nullable=False),
    Column("provinces_over_70pct_green", Integer, nullable=False),
    Column("provinces_all_green", Integer, nullable=False),
    Column("computed_at", UTC, nullable=False),
)

metric_connection_health = Table(
    "metric_connection_health", metadata,
    Column("system", String(64), primary_key=True),
    Column("day", Date, primary_key=True),  # local day
    Column("calls", Count, nullable=False),
    Column("calls_ok", Count, nullable=False),
    Column("calls_http_4xx", Integer, nullable=False),
    Column("calls_http_5xx", Integer, nullable=False),
    Column("calls_timeout", Count, nullable=False),
    Column("calls_reset", Count, nullable=False),
    Column("calls_soap_fault", Count, nullable=False),
    Column("calls_parse_error", Count, nullable=False),
    Column("success_rate_pct", Float, nullable=False),
    Column("avg_latency_ms", Float),
    Column("max_latency_ms", Float),
    Column("bytes_received", Count, nullable=False),
    Column("status", String(8), nullable=False),  # green | yellow | red
    Column("computed_at", UTC, nullable=False),
)

metric_online_filing_rate = Table(
    "metric_online_filing_rate", metadata,
    Column("unit_level", String(16), primary_key=True),  # nation | province
    Column("unit_code", String(8), primary_key=True),  # 'VN' for the nation, else GSO province code
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, primary_key=True),
    Column("unit_name", String(128), nullable=False),
    Column("dossiers_received", Count, nullable=False),
    Column("dossiers_online", Count, nullable=False),
    Column("dossiers_direct", Count, nullable=False),
    Column("dossiers_postal", Count, nullable=False),
    Column("dossiers_no_channel", Count, nullable=False),
    Column("online_rate_pct", Float),  # NULL when nothing was received
    Column("computed_at", UTC, nullable=False),
    Column("dossiers_quarantined_included", Count, nullable=False, server_default="0"),  # of dossiers_received
)

# Additive daily facts of the online filing rate: any date range is a SUM over days (docs/metrics.md).
metric_online_filing_daily = Table(
    "metric_online_filing_daily", metadata,
    Column("day", Date, primary_key=True),  # local (Asia/Ho_Chi_Minh) day of receipt
    Column("unit_level", String(16), primary_key=True),  # nation | province | commune
    Column("unit_code", String(16), primary_key=True),  # 'VN', GSO province or commune code, '<province>:unknown'
    Column("breakdown", String(16), primary_key=True),  # all | procedure | field
    Column("breakdown_code", String(64), primary_key=True),  # '' for all; procedure or field code
    Column("province_code", String(8)),  # the unit's province (NULL for the nation; unknown codes as received)
    Column("unit_name", String(128), nullable=False),
    Column("dossiers_received", Count, nullable=False),
    Column("dossiers_online", Count, nullable=False),
    Column("dossiers_direct", Count, nullable=False),
    Column("dossiers_postal", Count, nullable=False),
    Column("dossiers_no_channel", Count, nullable=False),
    Column("online_rate_pct", Float),  # NULL when nothing was received
    Column("computed_at", UTC, nullable=False),
    # Of dossiers_received: dossiers in quarantine for a defect outside these inputs (dossier_metric_input)
    Column("dossiers_quarantined_included", Count, nullable=False, server_default="0"),
    # Direct and online dossiers by the level of their procedure in their commune at receipt (procedure_level)
    Column("dossiers_online_capable", Count, nullable=False, server_default="0"),  # at level 3 or 4
    Column("dossiers_online_capable_online", Count, nullable=False, server_default="0"),  # of which online
    Column("dossiers_full_process", Count, nullable=False, server_default="0"),  # at level 4
    Column("dossiers_full_process_online", Count, nullable=False, server_default="0"),  # of which online
    Column("dossiers_level_unknown", Count, nullable=False, server_default="0"),  # no level read for the pair
    Column("dossiers_level_read_later", Count, nullable=False, server_default="0"),  # level from a read after receipt
    Column("online_capable_rate_pct", Float),  # the rate within online-capable procedures; NULL when none
    Column("full_process_rate_pct", Float),  # indicator 3.4; NULL when none at level 4
)

# Per criterion of the commune checklist, the communes meeting it (reported by the 16:00 cut-off).
metric_readiness_criterion = Table(
    "metric_readiness_criterion", metadata,
    Column("report_date", Date, primary_key=True),
    Column("unit_level", String(16), primary_key=True),  # nation | province
    Column("unit_code", String(8), primary_key=True),  # 'VN' or GSO province code
    Column("criterion", String(32), primary_key=True),
    Column("communes", Integer, nullable=False),
    Column("communes_meeting", Integer, nullable=False),
    Column("meeting_pct", Float),  # of the unit's communes; NULL when it has none
    Column("computed_at", UTC, nullable=False),
)

# What each metric's last publish saw of a day's inputs: a day is recomputed only when this changed.
publish_partition = Table(
    "publish_partition", metadata,
    Column("metric", String(64), primary_key=True),
    Column("partition_date", Date, primary_key=True),  # local day (receipt day, report day)
    Column("row_count", BigInteger, nullable=False),  # input rows of that day when published
    Column("changed_at", UTC),  # the newest loaded_at among them (and the reference data they join)
    Column("published_at", UTC, nullable=False),
)

# Additive per-day facts the period metrics sum instead of reading every dossier again
# (hub/metrics/day_facts.py); bookkeeping kept beside publish_partition, not part of the dashboard contract.
dossier_day_facts = Table(
    "dossier_day_facts", metadata,
    Column("day", Date, primary_key=True),  # receipt day
    Column("province_code", String(2), primary_key=True),
    *[Column(name, Count, nullable=False) for name in (
        "total", "online", "direct", "postal", "no_channel", "paid_online", "payment_synced", "digitised",
        "reusing", "from_store", "vneid")],
)
component_day_facts = Table(
    "component_day_facts", metadata,
    Column("day", Date, primary_key=True),  # the dossier's receipt day
    Column("procedure_code", String(64), primary_key=True),
    Column("component_code", String(64), primary_key=True),
    Column("submitted", Count, nullable=False),  # attachments submitted as files
    Column("replaced", Count, nullable=False),  # attachments filled from data
)

# Connection health per system, endpoint and local hour/day (grain 'hour': hour 0-23; grain 'day': hour 0).
metric_connection_health_endpoint = Table(
    "metric_connection_health_endpoint", metadata,
    Column("system", String(64), primary_key=True),
    Column("endpoint", String(128), primary_key=True),
    Column("grain", String(8), primary_key=True),  # hour | day
    Column("day", Date, primary_key=True),  # local day
    Column("hour", SmallInteger, primary_key=True),  # local hour for grain 'hour'; 0 for grain 'day'
    Column("calls", Count, nullable=False),
    Column("calls_ok", Count, nullable=False),
    Column("calls_http_4xx", Count, nullable=False),
    Column("calls_http_5xx", Count, nullable=False),
    Column("calls_timeout", Count, nullable=False),
    Column("calls_reset", Count, nullable=False),
    Column("calls_soap_fault", Count, nullable=False),
    Column("calls_parse_error", Count, nullable=False),
    Column("calls_other", Count, nullable=False),  # any other outcome (circuit_open, …)
    Column("success_rate_pct", Float),  # NULL when there was no call
    Column("latency_p50_ms", Float),
    Column("latency_p95_ms", Float),
    Column("max_latency_ms", Float),
    Column("last_success_at", UTC),
    Column("status", String(8)),  # green | yellow | red; NULL when there was no call
    Column("computed_at", UTC, nullable=False),
)

# Per system: when it last answered and how fresh the data the hub holds from it is.
metric_source_freshness = Table(
    "metric_source_freshness", metadata,
    Column("system", String(64), primary_key=True),
    Column("last_call_at", UTC),
    Column("last_success_at", UTC),
    Column("records_held", Count, nullable=False),
    Column("newest_record_at", UTC),
    Column("last_loaded_at", UTC),
    Column("data_lag_s", Float),
    Column("status", String(8), nullable=False),  # green | yellow | red
    Column("computed_at", UTC, nullable=False),
)

# The portal's reported aggregates beside what the hub's copy of its dossiers adds up to.
metric_portal_consistency = Table(
    "metric_portal_consistency", metadata,
    Column("province_code", String(2), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, primary_key=True),
    Column("portal_as_of", UTC),
    Column("portal_total", Count),
    Column("portal_online", Count),
    Column("portal_direct", Count),
    Column("portal_postal", Count),
    Column("portal_ratio_pct", Float),
    Column("hub_total", Count, nullable=False),
    Column("hub_online", Count, nullable=False),
    Column("hub_direct", Count, nullable=False),
    Column("hub_postal", Count, nullable=False),
    Column("hub_no_channel", Count, nullable=False),
    Column("hub_ratio_pct", Float),
    Column("total_difference", Count),  # hub − portal
    Column("online_difference", Count),
    Column("status", String(8), nullable=False),  # green | yellow | red
    Column("likely_cause", String(64)),
    Column("computed_at", UTC, nullable=False),
    # Of hub_total: dossiers in quarantine for a defect outside their metric inputs (dossier_metric_input)
    Column("hub_quarantined_included", Count, nullable=False, server_default="0"),
)

# Dossier reduction per local day and unit (nation, province, commune, procedure): additive counts.
metric_dossier_reduction_day = Table(
    "metric_dossier_reduction_day", metadata,
    Column("day", Date, primary_key=True),
    Column("unit_level", String(16), primary_key=True),  # nation | province | commune | procedure
    Column("unit_code", String(64), primary_key=True),
    Column("unit_name", Text),
    Column("unit_known", Boolean, nullable=False),  # False: a code the reference data does not know
    Column("dossiers_received", Count, nullable=False),
    Column("dossiers_reusing_data", Count, nullable=False),
    Column("dossiers_with_avoidable", Count, nullable=False),
    Column("attachments", Count, nullable=False),
    Column("attachments_replaceable", Count, nullable=False),
    Column("attachments_avoidable", Count, nullable=False),
    Column("attachments_avoidable_verified", Count, nullable=False),
    Column("attachments_outside_list", Count, nullable=False),
    Column("reuse_rate_pct", Float),
    Column("avoidable_pct", Float),
    Column("outside_list_pct", Float),
    Column("computed_at", UTC, nullable=False),
)

# Per procedure component: can a connected database replace it, and does the portal already do so.
metric_procedure_component_reduction = Table(
    "metric_procedure_component_reduction", metadata,
    Column("procedure_code", String(64), primary_key=True),
    Column("component_code", String(64), primary_key=True),
    Column("procedure_name", Text, nullable=False),
    Column("component_name", Text, nullable=False),
    Column("replaceable_by", String(64)),
    Column("replaced_by_result_code", String(64)),
    Column("attachments_submitted", Count, nullable=False),
    Column("attachments_replaced", Count, nullable=False),
    Column("portal_replaces", Boolean, nullable=False),
    Column("computed_at", UTC, nullable=False),
)

# Progress toward the national target of procedures whose components are replaced by data.
metric_dossier_reduction_progress = Table(
    "metric_dossier_reduction_progress", metadata,
    Column("as_of_date", Date, primary_key=True),
    Column("procedures", Integer, nullable=False),
    Column("procedures_replaceable", Integer, nullable=False),
    Column("procedures_replacing", Integer, nullable=False),
    Column("target_procedures", Integer, nullable=False),
    Column("target_progress_pct", Float, nullable=False),
    Column("computed_at", UTC, nullable=False),
)

# Decision 766 indicators per province (and the nation, 'VN') and month, beside the portal's own figures.
metric_decision766 = Table(
    "metric_decision766", metadata,
    Column("month", Date, primary_key=True),  # first day of the month
    Column("unit_code", String(8), primary_key=True),  # GSO province code, or 'VN'
    Column("indicator_code", String(48), primary_key=True),
    Column("unit_name", String(128)),
    Column("unit_known", Boolean, nullable=False),
    Column("indicator_no", String(8), nullable=False),
    Column("numerator", Count),
    Column("denominator", Count),
    Column("rate_pct", Float),
    Column("portal_numerator", Count),
    Column("portal_denominator", Count),
    Column("portal_rate_pct", Float),
    Column("difference_pct", Float),  # rate_pct − portal_rate_pct
    Column("likely_cause", String(64)),
    Column("computed_at", UTC, nullable=False),
    # Of the counts: dossiers in quarantine for a defect outside their metric inputs (1.4 and 3.3 only)
    Column("dossiers_quarantined_included", Count, nullable=False, server_default="0"),
)

metric_online_service_level = Table(
    "metric_online_service_level", metadata,
    Column("report_date", Date, primary_key=True),
    Column("unit_level", String(16), primary_key=True),  # nation | province
    Column("unit_code", String(8), primary_key=True),  # 'VN' or GSO province code
    Column("unit_name", String(128)),  # NULL for a code the reference units do not know
    Column("unit_known", Boolean, nullable=False),
    Column("reported", Boolean, nullable=False),  # the portal gave this unit's counts that day
    Column("period_start", Date),
    Column("portal_as_of", UTC),
    Column("procedures", Integer),
    Column("procedures_partial", Integer),
    Column("procedures_full", Integer),
    Column("procedures_online", Integer),  # partial + full
    Column("full_online_pct", Float),  # indicator 3.1, full-process variant
    Column("partial_online_pct", Float),
    Column("online_pct", Float),  # indicator 3.1: partial or full
    Column("computed_at", UTC, nullable=False),
)
