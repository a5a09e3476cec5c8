"""Publish never breaks on volume: counters that pass 2^31 at national scale are 64-bit."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import BigInteger, insert, inspect, select

from hub.metrics.health import publish_connection_health
from hub.warehouse.schema import Count, health_call, load_run, metadata, metric_connection_health

# The national scenario's portal sent 4,471,549,345 bytes on one day: more than a 32-bit INTEGER holds.
NATIONAL_DAY_BYTES = 4_471_549_345


def test_every_counter_column_is_64_bit_in_the_migrated_database(engine):
    counters = [(table.name, column.name) for table in metadata.sorted_tables for column in table.c
                if column.type is Count]
    assert ("metric_connection_health", "bytes_received") in counters and ("load_run", "fetched") in counters
    inspector = inspect(engine)
    for table_name, column_name in counters:
        reflected = {c["name"]: c["type"] for c in inspector.get_columns(table_name)}[column_name]
        if engine.dialect.name == "postgresql":
            assert isinstance(reflected, BigInteger), f"{table_name}.{column_name} is {reflected}"
        else:  # SQLite's INTEGER is 64-bit
            assert reflected.python_type is int


def test_a_day_of_national_traffic_publishes_its_bytes_and_calls(engine):
    seen = datetime(2025, 8, 24, 3, 0, tzinfo=timezone.utc)
    calls = [{"system": "dvc_portal", "endpoint": "LayDanhSachHoSo", "outcome": "ok", "http_status": 200,
              "latency_ms": 12.5, "bytes": share, "observed_at": seen,
              "observed_date": date(2025, 8, 24), "load_id": None}
             for share in (NATIONAL_DAY_BYTES // 2, NATIONAL_DAY_BYTES - NATIONAL_DAY_BYTES // 2)]
    with engine.begin() as conn:
        conn.execute(insert(health_call), calls)
        conn.execute(insert(load_run).values(load_id="national", source="dvc_portal", started_at=seen,
                                             status="succeeded", fetched=5_037_474_000, loaded=5_037_474_000,
                                             quarantined=0, unchanged=0))
    publish_connection_health(engine)
    with engine.connect() as conn:
        published = conn.execute(select(metric_connection_health.c.bytes_received, metric_connection_health.c.calls)
                                 .where(metric_connection_health.c.system == "dvc_portal")).one()
        fetched = conn.execute(select(load_run.c.fetched).where(load_run.c.load_id == "national")).scalar()
    assert tuple(published) == (NATIONAL_DAY_BYTES, 2)
    assert fetched == 5_037_474_000
