"""The published metrics tables are a public contract: their names and columns are pinned here."""
from __future__ import annotations

from sqlalchemy import inspect

CONTRACT = {
    "metric_dossier_reduction": {
        "unit_level", "unit_code", "period_start", "period_end", "unit_name", "dossiers_received",
        "dossiers_reusing_data", "attachments", "attachments_replaceable", "attachments_avoidable",
        "attachments_avoidable_verified", "reuse_rate_pct", "avoidable_pct", "computed_at",
    },
    "metric_readiness_province": {
        "report_date", "province_code", "province_name", "status", "communes", "communes_reporting",
        "communes_green", "communes_basic", "communes_staffed", "green_pct", "basic_pct", "computed_at",
    },
    "metric_readiness_commune": {
        "report_date", "commune_code", "province_code", "commune_name", "reporting", "meets_basic", "green",
        "criteria_met", "network", "online_meetings", "digitisation_equipment", "computers", "one_stop_staff",
        "digital_signatures", "official_certificates", "computed_at",
    },
    "metric_readiness_nation": {
        "report_date", "provinces_green", "provinces_yellow", "provinces_red", "provinces_reporting", "communes",
        "communes_reporting", "communes_green", "communes_basic", "communes_staffed", "basic_pct", "staffed_pct",
        "provinces_over_50pct_green", "provinces_over_70pct_green", "provinces_all_green", "computed_at",
    },
    "metric_connection_health": {
        "system", "day", "calls", "calls_ok", "calls_http_4xx", "calls_http_5xx", "calls_timeout", "calls_reset",
        "calls_soap_fault", "calls_parse_error", "success_rate_pct", "avg_latency_ms", "max_latency_ms",
        "bytes_received", "status", "computed_at",
    },
    "metric_online_filing_daily": {
        "day", "unit_level", "unit_code", "breakdown", "breakdown_code", "province_code", "unit_name",
        "dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal", "dossiers_no_channel",
        "online_rate_pct", "computed_at", "dossiers_quarantined_included", "dossiers_online_capable",
        "dossiers_online_capable_online", "dossiers_full_process", "dossiers_full_process_online",
        "dossiers_level_unknown", "dossiers_level_read_later", "online_capable_rate_pct", "full_process_rate_pct",
    },
    "metric_readiness_criterion": {
        "report_date", "unit_level", "unit_code", "criterion", "communes", "communes_meeting", "meeting_pct",
        "computed_at",
    },
    "metric_data_quality": {
        "dataset", "source", "dimension", "province_code", "commune_code", "day", "origin", "rows_checked",
        "rows_failing", "score_pct", "example_check", "example_key", "computed_at",
    },
    "metric_online_filing_rate": {
        "unit_level", "unit_code", "period_start", "period_end", "unit_name", "dossiers_received",
        "dossiers_online", "dossiers_direct", "dossiers_postal", "dossiers_no_channel", "online_rate_pct",
        "computed_at", "dossiers_quarantined_included",
    },
    "metric_connection_health_endpoint": {
        "system", "endpoint", "grain", "day", "hour", "calls", "calls_ok", "calls_http_4xx", "calls_http_5xx",
        "calls_timeout", "calls_reset", "calls_soap_fault", "calls_parse_error", "calls_other", "success_rate_pct",
        "latency_p50_ms", "latency_p95_ms", "max_latency_ms", "last_success_at", "status", "computed_at",
    },
    "metric_source_freshness": {
        "system", "last_call_at", "last_success_at", "records_held", "newest_record_at", "last_loaded_at",
        "data_lag_s", "status", "computed_at",
    },
    "metric_portal_consistency": {
        "province_code", "period_start", "period_end", "portal_as_of", "portal_total", "portal_online",
        "portal_direct", "portal_postal", "portal_ratio_pct", "hub_total", "hub_online", "hub_direct", "hub_postal",
        "hub_no_channel", "hub_ratio_pct", "total_difference", "online_difference", "status", "likely_cause",
        "computed_at", "hub_quarantined_included",
    },
    "metric_dossier_reduction_day": {
        "day", "unit_level", "unit_code", "unit_name", "unit_known", "dossiers_received", "dossiers_reusing_data",
        "dossiers_with_avoidable", "attachments", "attachments_replaceable", "attachments_avoidable",
        "attachments_avoidable_verified", "attachments_outside_list", "reuse_rate_pct", "avoidable_pct",
        "outside_list_pct", "computed_at",
    },
    "metric_procedure_component_reduction": {
        "procedure_code", "component_code", "procedure_name", "component_name", "replaceable_by",
        "replaced_by_result_code", "attachments_submitted", "attachments_replaced", "portal_replaces", "computed_at",
    },
    "metric_dossier_reduction_progress": {
        "as_of_date", "procedures", "procedures_replaceable", "procedures_replacing", "target_procedures",
        "target_progress_pct", "computed_at",
    },
    "metric_decision766": {
        "month", "unit_code", "indicator_code", "unit_name", "unit_known", "indicator_no", "numerator", "denominator",
        "rate_pct", "portal_numerator", "portal_denominator", "portal_rate_pct", "difference_pct", "likely_cause",
        "computed_at", "dossiers_quarantined_included",
    },
    "metric_online_service_level": {
        "report_date", "unit_level", "unit_code", "unit_name", "unit_known", "reported", "period_start",
        "portal_as_of", "procedures", "procedures_partial", "procedures_full", "procedures_online", "full_online_pct",
        "partial_online_pct", "online_pct", "computed_at",
    },
}


def test_migrations_create_exactly_the_documented_metric_tables_and_columns(engine):
    inspector = inspect(engine)
    metric_tables = {name for name in inspector.get_table_names() if name.startswith("metric_")}
    assert metric_tables == set(CONTRACT)
    for table, columns in CONTRACT.items():
        assert {c["name"] for c in inspector.get_columns(table)} == columns


def test_the_metrics_document_names_every_column():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text(encoding="utf-8")
    for table, columns in CONTRACT.items():
        assert f"## {table}" in text
        for column in columns:
            assert f"| {column} |" in text
