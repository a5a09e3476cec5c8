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
    "metric_data_quality": {
        "dataset", "source", "dimension", "province_code", "commune_code", "day", "origin", "rows_checked",
        "rows_failing", "score_pct", "example_check", "example_key", "computed_at",
    },
    "metric_online_filing_rate": {
        "unit_level", "unit_code", "period_start", "period_end", "unit_name", "dossiers_received",
        "dossiers_online", "dossiers_direct", "dossiers_postal", "dossiers_no_channel", "online_rate_pct",
        "computed_at",
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
