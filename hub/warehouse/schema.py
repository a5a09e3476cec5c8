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


def lineage(at: str = "loaded_at") -> tuple[Column, Column]:
    """Which load wrote a row, and when (column ``at``): every canonical table ends with these."""
    return Column("load_id", String(36), nullable=False), Column(at, UTC, nullable=False)


def computed_at() -> Column:
    """When the publish that wrote a metric row ran: every metric_* table has it."""
    return Column("computed_at", UTC, nullable=False)


def not_null(type_, *names: str, **options) -> list[Column]:
    """Columns of one type that are never NULL (counts, flags), in the order named."""
    return [Column(name, type_, nullable=False, **options) for name in names]


def nullable(type_, *names: str) -> list[Column]:
    """Columns of one type that may be NULL (not reported, not known), in the order named."""
    return [Column(name, type_) for name in names]


def source_stream(*, primary_key: bool) -> list[Column]:
    """The source system and the stream of its records a sync reads (connectors' names for them)."""
    return [Column(name, String(64), nullable=False, primary_key=primary_key) for name in ("source", "stream")]


def stream_partition(*, primary_key: bool) -> list[Column]:
    """A source stream and the partition of it a sync reads."""
    return [*source_stream(primary_key=primary_key), Column("partition", String(64), nullable=False,
                                                            primary_key=primary_key)]


def source_record() -> list[Column]:
    """A record of a source system, by the key the source gives it."""
    return [Column("source", String(64), primary_key=True), Column("record_key", String(256), primary_key=True)]


def stored_batch() -> list[Column]:
    """A batch of one load, numbered in load order, and the stream partition it was read from."""
    return [Column("load_id", String(36), primary_key=True), Column("batch_no", Integer, primary_key=True),
            *stream_partition(primary_key=False)]


def period_key() -> list[Column]:
    """The first and last day of a reporting period (inclusive), as part of the primary key."""
    return [Column("period_start", Date, primary_key=True), Column("period_end", Date, primary_key=True)]


def unit_period_key() -> list[Column]:
    """A period metric's unit (the nation 'VN' or a GSO province code) and period."""
    return [Column("unit_level", String(16), primary_key=True),  # nation | province
            Column("unit_code", String(8), primary_key=True),  # 'VN' for the nation, else GSO province code
            *period_key()]


def quarantined_included(name: str) -> Column:
    """Of a metric's dossier counts, those in quarantine for a defect outside their metric inputs
    (dossier_metric_input); added to tables that already held rows, hence the server default."""
    return Column(name, Count, nullable=False, server_default="0")


def online_filing_counts() -> list[Column]:
    """The online filing rate of a unit: dossiers received by channel, the rate and its computation."""
    return [
        Column("unit_name", String(128), nullable=False),
        *not_null(Count, "dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal",
                  "dossiers_no_channel"),
        Column("online_rate_pct", Float),  # NULL when nothing was received
        computed_at(),
        quarantined_included("dossiers_quarantined_included"),  # of dossiers_received
    ]


def commune_as_received() -> list[Column]:
    """A record's current commune code (NULL when the units do not know it) and the code as the source sent it."""
    return [Column("commune_code", String(5)), Column("commune_code_as_received", String(8))]


def component_key() -> list[Column]:
    """A component (a document to submit) of an administrative procedure."""
    return [Column("procedure_code", String(64), primary_key=True),
            Column("component_code", String(64), primary_key=True)]


def province_report_key() -> list[Column]:
    """A province and the day of the monitoring report it stands in."""
    return [Column("report_date", Date, primary_key=True), Column("province_code", String(2), primary_key=True)]


def commune_report_key() -> list[Column]:
    """A commune, the day of the monitoring report it stands in, and its province."""
    return [Column("report_date", Date, primary_key=True), Column("commune_code", String(5), primary_key=True),
            Column("province_code", String(2), nullable=False)]


def commune_readiness_counts() -> list[Column]:
    """A unit's communes, and how many of them reported by the cut-off, are green, basic-ready and staffed."""
    return not_null(Integer, "communes", "communes_reporting", "communes_green", "communes_basic", "communes_staffed")


def partition_key() -> list[Column]:
    """A dataset's day partition (a local Asia/Ho_Chi_Minh day) as the quality checks cut it."""
    return [Column("dataset", String(64), primary_key=True), Column("partition_date", Date, primary_key=True)]


def expectation_identity() -> list[Column]:
    """Which expectation a result is of: its quality dimension, GE type and the column it checks."""
    return [Column("dimension", String(8), nullable=False),  # dung | du | sach | song
            Column("expectation_type", String(128), nullable=False),
            Column("column_name", String(128))]


# --- bookkeeping --------------------------------------------------------------------------
load_run = Table(
    "load_run", metadata,
    Column("load_id", String(36), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("started_at", UTC, nullable=False),
    Column("finished_at", UTC),
    Column("status", String(16), nullable=False),  # running | succeeded | failed
    # unchanged: of loaded, already stored and not written again
    *not_null(Count, "fetched", "loaded", "quarantined", "unchanged", default=0),
    Column("error", Text),
)

batch_reconciliation = Table(
    "batch_reconciliation", metadata,
    *stored_batch(),
    *not_null(Integer, "fetched", "loaded", "quarantined"),
    Column("unchanged", Integer, nullable=False, default=0),  # of loaded: already stored, not written again
    Column("recorded_at", UTC, nullable=False),
)

# One row per completed read (one query of a partition, all its pages: connectors.base.ReadCount):
# the records it handed over beside the total the source reported for that same query, NULL when the
# source reports none. Written with the read's last batch; the quality check "đủ" compares the two.
source_read = Table(
    "source_read", metadata,
    Column("load_id", String(36), primary_key=True),
    *stream_partition(primary_key=True),
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
    *stream_partition(primary_key=True),
    Column("value", String(256), nullable=False),
    *lineage("updated_at"),
)

# --- raw landing (PII already scrubbed) ----------------------------------------------------
# One row per stored batch: the exact payloads of its new or changed records as compressed JSON
# lines, with their keys in the same order (hub/warehouse/raw.py reads them back for replay and
# audit). A record re-read unchanged is not landed again.
raw_batch = Table(
    "raw_batch", metadata,
    *stored_batch(),
    Column("records", Integer, nullable=False),
    Column("record_keys", Text, nullable=False),  # newline-separated, in payload order
    Column("encoding", String(16), nullable=False),  # how payload is packed: zstd+jsonl (zlib+jsonl for rows carried over by 0007)
    Column("payload", LargeBinary, nullable=False),
    Column("received_at", UTC, nullable=False),
)
Index("ix_raw_batch_source", raw_batch.c.source, raw_batch.c.stream)

quarantine = Table(
    "quarantine", metadata,
    *source_stream(primary_key=True),
    Column("record_key", String(256), primary_key=True),
    Column("payload_sha256", String(64), primary_key=True),
    *not_null(Text, "reason", "payload"),
    *lineage("quarantined_at"),
)

# What a metric needs of a record quarantined for a defect outside those inputs (mappings declare it:
# ``metric_inputs``), so the dossier still counts while it waits in quarantine. Keyed like its
# quarantine row; no personal data. Written with the quarantine row, removed when the record loads
# or is mapped again (mappings/engine.py, hub/warehouse/load.py).
dossier_metric_input = Table(
    "dossier_metric_input", metadata,
    *source_record(),
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
    *not_null(String(128), "name", "full_name"),
    Column("name_en", String(128), nullable=False),
    Column("unit_type", String(16), nullable=False),
    Column("dvcqg_code", String(8), nullable=False, unique=True),
    Column("valid_from", Date, nullable=False),
)

admin_commune = Table(
    "admin_commune", metadata,
    Column("code", String(5), primary_key=True),
    Column("province_code", String(2), nullable=False, index=True),
    *not_null(String(128), "name", "full_name"),
    Column("unit_type", String(16), nullable=False),
    Column("valid_from", Date, nullable=False),
)



def crosswalk(level: str, *columns: Column) -> Table:
    """``admin_<level>_crosswalk``: a pre-merger unit code (old_code) and the current unit it went to
    (new_code), the old code usable until ``valid_to`` (the day before the merger took effect)."""
    return Table(f"admin_{level}_crosswalk", metadata, *columns, Column("valid_to", Date, nullable=False))


admin_province_crosswalk = crosswalk(
    "province",
    Column("old_code", String(2), primary_key=True),
    Column("old_full_name", String(128), nullable=False),
    Column("new_code", String(2), nullable=False),
)
admin_commune_crosswalk = crosswalk(
    "commune",
    Column("old_code", String(5), primary_key=True),
    Column("new_code", String(5), primary_key=True),
    Column("partial", Boolean, nullable=False),  # the old commune was split; this is one piece
)

# --- canonical ---------------------------------------------------------------------------
dossier = Table(
    "dossier", metadata,
    Column("dossier_id", String(64), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("procedure_code", String(64), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("province_code_as_received", String(8)),
    *commune_as_received(),
    Column("channel", String(16), nullable=False),  # online | direct | postal | unknown
    Column("status_code", SmallInteger, nullable=False),
    Column("subject_type", String(16)),
    Column("submitted_at", UTC),
    Column("received_at", UTC, nullable=False),
    Column("received_date", Date, nullable=False),  # local (Asia/Ho_Chi_Minh) day of receipt
    *nullable(UTC, "due_at", "finished_at", "returned_at"),
    Column("updated_at", UTC, nullable=False),
    Column("owner_id_hash", String(64)),
    Column("owner_id_kind", String(16), nullable=False),
    *nullable(Boolean, "has_digitised_component", "vneid_verified"),
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
    *component_key(),
    Column("name", Text, nullable=False),
    *nullable(SmallInteger, "originals", "copies"),
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
    *nullable(Boolean, "exists_in_source", "name_matches", "birth_date_matches"),
    Column("updated_at", UTC, nullable=False),  # when verified
    *lineage(),
)

sectoral_record = Table(
    "sectoral_record", metadata,
    *source_record(),
    Column("record_type", String(64), nullable=False),
    Column("subject_id_hash", String(64)),
    Column("subject_id_kind", String(16)),
    Column("province_code", String(2)),
    *commune_as_received(),
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
    *period_key(),
    Column("as_of", UTC),
    # the portal's own sums, as received (NULL is not 0)
    *nullable(Integer, "channel_online", "channel_direct", "channel_postal", "channel_total", "online_dossiers"),
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
# The monitoring checklist's criteria (commune_report columns), in the centre's order.
READINESS_CRITERIA = ("network", "online_meetings", "digitisation_equipment", "computers", "one_stop_staff",
                      "digital_signatures", "official_certificates")

province_report = Table(
    "province_report", metadata,
    *province_report_key(),
    Column("status", String(8), nullable=False),  # green | yellow | red, as reported
    *nullable(Integer, "tasks_overdue", "communes"),
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

province_task_status = Table(
    "province_task_status", metadata,
    *province_report_key(),
    Column("task_code", String(32), primary_key=True),
    *nullable(Date, "deadline", "completed_on"),
    Column("status_text", String(64)),
    Column("updated_at", UTC, nullable=False),
    *lineage(),
)

commune_report = Table(
    "commune_report", metadata,
    *commune_report_key(),
    Column("submitted_at", UTC),
    Column("on_time", Boolean),  # sent before the 16:00 cut-off
    *nullable(Boolean, *READINESS_CRITERIA),
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
    *not_null(Integer, "expectations", "expectations_passed"),
    Column("not_checked", Text),  # why nothing was checked (no rows, a table or columns missing), else NULL
)

quality_result = Table(
    "quality_result", metadata,
    Column("run_id", String(36), primary_key=True),
    Column("expectation_no", Integer, primary_key=True),
    *expectation_identity(),
    *not_null(Text, "description_vi", "description_en"),
    Column("success", Boolean, nullable=False),
    *nullable(Count, "element_count", "unexpected_count"),
    Column("unexpected_percent", Float),
    Column("observed_value", Text),
    Column("critical", Boolean, nullable=False, default=False),  # a failure stops publishing
)

# Incremental checks (quality/run.py): what each day partition held when it was last checked, and
# its row-by-row results then; a day is checked again only when its rows or the suite change.
quality_partition = Table(
    "quality_partition", metadata,
    *partition_key(),
    Column("suite_version", String(64), nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("changed_at", UTC),  # the newest loaded_at among the partition's rows when checked
    Column("run_id", String(36), nullable=False),  # the run that checked it
    Column("checked_at", UTC, nullable=False),
    Column("success", Boolean, nullable=False),
)

quality_partition_result = Table(
    "quality_partition_result", metadata,
    *partition_key(),
    Column("expectation_no", Integer, primary_key=True),
    *expectation_identity(),
    Column("success", Boolean, nullable=False),
    # considered_count: the rows the expectation judged (its column's non-null values)
    *not_null(BigInteger, "element_count", "considered_count", "unexpected_count"),
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
    *not_null(Count, "rows_checked", "rows_failing"),
    Column("score_pct", Float),  # 100 × (rows_checked − rows_failing) ÷ rows_checked
    Column("example_check", String(256)),  # the failing expectation, or the rejection reason
    Column("example_key", String(256)),  # one failing row's key, personal digits masked
    computed_at(),
)
Index("ix_metric_data_quality_day", metric_data_quality.c.day, metric_data_quality.c.province_code)

metric_dossier_reduction = Table(
    "metric_dossier_reduction", metadata,
    *unit_period_key(),
    Column("unit_name", String(128), nullable=False),
    *not_null(Count, "dossiers_received", "dossiers_reusing_data", "attachments", "attachments_replaceable",
              "attachments_avoidable", "attachments_avoidable_verified"),
    *nullable(Float, "reuse_rate_pct", "avoidable_pct"),
    computed_at(),
)

metric_readiness_province = Table(
    "metric_readiness_province", metadata,
    *province_report_key(),
    Column("province_name", String(128), nullable=False),
    Column("status", String(8)),  # the province's reported heat-map colour; NULL when it did not report
    *commune_readiness_counts(),
    Column("green_pct", Float),  # of the province's communes
    Column("basic_pct", Float),
    computed_at(),
)

metric_readiness_commune = Table(
    "metric_readiness_commune", metadata,
    *commune_report_key(),
    Column("commune_name", String(128), nullable=False),
    Column("reporting", Boolean, nullable=False),  # its report arrived before the day's 16:00 cut-off
    Column("meets_basic", Boolean, nullable=False),  # every basic PASC condition, reported by the cut-off
    Column("green", Boolean, nullable=False),  # the basic conditions plus signatures and certificates
    Column("criteria_met", Integer, nullable=False),  # of the 7 checklist criteria, reported by the cut-off
    *not_null(Boolean, *READINESS_CRITERIA),
    computed_at(),
)
Index("ix_metric_readiness_commune_province", metric_readiness_commune.c.report_date,
      metric_readiness_commune.c.province_code)

metric_readiness_nation = Table(
    "metric_readiness_nation", metadata,
    Column("report_date", Date, primary_key=True),
    *not_null(Integer, "provinces_green", "provinces_yellow", "provinces_red", "provinces_reporting"),
    *commune_readiness_counts(),
    *nullable(Float, "basic_pct", "staffed_pct"),
    *not_null(Integer, "provinces_over_50pct_green", "provinces_over_70pct_green", "provinces_all_green"),
    computed_at(),
)

metric_connection_health = Table(
    "metric_connection_health", metadata,
    Column("system", String(64), primary_key=True),
    Column("day", Date, primary_key=True),  # local day
    *not_null(Count, "calls", "calls_ok"),
    *not_null(Integer, "calls_http_4xx", "calls_http_5xx"),
    *not_null(Count, "calls_timeout", "calls_reset", "calls_soap_fault", "calls_parse_error"),
    Column("success_rate_pct", Float, nullable=False),
    *nullable(Float, "avg_latency_ms", "max_latency_ms"),
    Column("bytes_received", Count, nullable=False),
    Column("status", String(8), nullable=False),  # green | yellow | red
    computed_at(),
)

metric_online_filing_rate = Table(
    "metric_online_filing_rate", metadata,
    *unit_period_key(),
    *online_filing_counts(),
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
    *online_filing_counts(),
    # Direct and online dossiers by the level of their procedure in their commune at receipt (procedure_level):
    # at level 3 or 4, of which online; at level 4, of which online; no level read for the pair; the level
    # taken from a read after receipt. Added to a table that held rows, hence the server default.
    *not_null(Count, "dossiers_online_capable", "dossiers_online_capable_online", "dossiers_full_process",
              "dossiers_full_process_online", "dossiers_level_unknown", "dossiers_level_read_later",
              server_default="0"),
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
    *not_null(Integer, "communes", "communes_meeting"),
    Column("meeting_pct", Float),  # of the unit's communes; NULL when it has none
    computed_at(),
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
    *not_null(Count, "total", "online", "direct", "postal", "no_channel", "paid_online", "payment_synced",
              "digitised", "reusing", "from_store", "vneid"),
)
component_day_facts = Table(
    "component_day_facts", metadata,
    Column("day", Date, primary_key=True),  # the dossier's receipt day
    *component_key(),
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
    # calls_other: any other outcome (circuit_open, …)
    *not_null(Count, "calls", "calls_ok", "calls_http_4xx", "calls_http_5xx", "calls_timeout", "calls_reset",
              "calls_soap_fault", "calls_parse_error", "calls_other"),
    Column("success_rate_pct", Float),  # NULL when there was no call
    *nullable(Float, "latency_p50_ms", "latency_p95_ms", "max_latency_ms"),
    Column("last_success_at", UTC),
    Column("status", String(8)),  # green | yellow | red; NULL when there was no call
    computed_at(),
)

# Per system: when it last answered and how fresh the data the hub holds from it is.
metric_source_freshness = Table(
    "metric_source_freshness", metadata,
    Column("system", String(64), primary_key=True),
    *nullable(UTC, "last_call_at", "last_success_at"),
    Column("records_held", Count, nullable=False),
    *nullable(UTC, "newest_record_at", "last_loaded_at"),
    Column("data_lag_s", Float),
    Column("status", String(8), nullable=False),  # green | yellow | red
    computed_at(),
)

# The portal's reported aggregates beside what the hub's copy of its dossiers adds up to.
metric_portal_consistency = Table(
    "metric_portal_consistency", metadata,
    Column("province_code", String(2), primary_key=True),
    *period_key(),
    Column("portal_as_of", UTC),
    *nullable(Count, "portal_total", "portal_online", "portal_direct", "portal_postal"),
    Column("portal_ratio_pct", Float),
    *not_null(Count, "hub_total", "hub_online", "hub_direct", "hub_postal", "hub_no_channel"),
    Column("hub_ratio_pct", Float),
    Column("total_difference", Count),  # hub − portal
    Column("online_difference", Count),
    Column("status", String(8), nullable=False),  # green | yellow | red
    Column("likely_cause", String(64)),
    computed_at(),
    quarantined_included("hub_quarantined_included"),  # of hub_total
)

# Dossier reduction per local day and unit (nation, province, commune, procedure): additive counts.
metric_dossier_reduction_day = Table(
    "metric_dossier_reduction_day", metadata,
    Column("day", Date, primary_key=True),
    Column("unit_level", String(16), primary_key=True),  # nation | province | commune | procedure
    Column("unit_code", String(64), primary_key=True),
    Column("unit_name", Text),
    Column("unit_known", Boolean, nullable=False),  # False: a code the reference data does not know
    *not_null(Count, "dossiers_received", "dossiers_reusing_data", "dossiers_with_avoidable", "attachments",
              "attachments_replaceable", "attachments_avoidable", "attachments_avoidable_verified",
              "attachments_outside_list"),
    *nullable(Float, "reuse_rate_pct", "avoidable_pct", "outside_list_pct"),
    computed_at(),
)

# Per procedure component: can a connected database replace it, and does the portal already do so.
metric_procedure_component_reduction = Table(
    "metric_procedure_component_reduction", metadata,
    *component_key(),
    *not_null(Text, "procedure_name", "component_name"),
    Column("replaceable_by", String(64)),  # the database whose data can replace it (procedure_component)
    Column("replaced_by_result_code", String(64)),
    *not_null(Count, "attachments_submitted", "attachments_replaced"),
    Column("portal_replaces", Boolean, nullable=False),
    computed_at(),
)

# Progress toward the national target of procedures whose components are replaced by data.
metric_dossier_reduction_progress = Table(
    "metric_dossier_reduction_progress", metadata,
    Column("as_of_date", Date, primary_key=True),
    *not_null(Integer, "procedures", "procedures_replaceable", "procedures_replacing", "target_procedures"),
    Column("target_progress_pct", Float, nullable=False),
    computed_at(),
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
    *nullable(Count, "numerator", "denominator"),
    Column("rate_pct", Float),
    *nullable(Count, "portal_numerator", "portal_denominator"),
    Column("portal_rate_pct", Float),
    Column("difference_pct", Float),  # rate_pct − portal_rate_pct
    Column("likely_cause", String(64)),
    computed_at(),
    quarantined_included("dossiers_quarantined_included"),  # of the counts of indicators 1.4 and 3.3 only
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
    *nullable(Integer, "procedures", "procedures_partial", "procedures_full"),
    Column("procedures_online", Integer),  # partial + full
    Column("full_online_pct", Float),  # indicator 3.1, full-process variant
    Column("partial_online_pct", Float),
    Column("online_pct", Float),  # indicator 3.1: partial or full
    computed_at(),
)
