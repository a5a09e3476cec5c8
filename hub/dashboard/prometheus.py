"""The Prometheus endpoint (/metrics): read from the warehouse at every scrape, nothing cached.

Connection health per system (its latest day), the last successful sync per source (load_run),
quarantined records per source and stream, and the data-quality score per dimension
(metric_data_quality, every day and dataset: 100 × Σ(checked − failing) ÷ Σ checked).
"""
from __future__ import annotations

from datetime import timezone

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from hub.dashboard import queries as q

STATUSES = ("green", "yellow", "red")


class WarehouseCollector(Collector):
    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self):
        with self.engine.connect() as conn:
            available = q.published(conn)
            health = q.latest_health(conn, available)
            syncs = q.last_successful_sync(conn, available)
            quarantined = q.quarantine_counts(conn, available)
            quality = q.quality_by_dimension(conn, available, q.DateRange())
        success = GaugeMetricFamily("lienthong_connection_success_ratio",
                                    "Share of calls answered properly on the system's latest day", labels=["system"])
        calls = GaugeMetricFamily("lienthong_connection_calls", "Calls on the system's latest day", labels=["system"])
        latency = GaugeMetricFamily("lienthong_connection_latency_seconds",
                                    "Mean call latency on the system's latest day", labels=["system"])
        status = GaugeMetricFamily("lienthong_connection_status",
                                   "1 for the system's status on its latest day (green ≥ 99 %, yellow ≥ 95 %)",
                                   labels=["system", "status"])
        for row in health:
            success.add_metric([row["system"]], row["success_rate_pct"] / 100.0)
            calls.add_metric([row["system"]], row["calls"])
            if row["avg_latency_ms"] is not None:
                latency.add_metric([row["system"]], row["avg_latency_ms"] / 1000.0)
            for colour in STATUSES:
                status.add_metric([row["system"], colour], 1.0 if row["status"] == colour else 0.0)
        last_sync = GaugeMetricFamily("lienthong_last_successful_sync_timestamp_seconds",
                                      "When the source's last successful load finished (Unix time)", labels=["source"])
        for row in syncs:
            finished = row["finished_at"]
            if finished.tzinfo is None:  # SQLite returns naive datetimes; the warehouse stores UTC
                finished = finished.replace(tzinfo=timezone.utc)
            last_sync.add_metric([row["source"]], finished.timestamp())
        held = GaugeMetricFamily("lienthong_quarantined_records", "Records held in quarantine",
                                 labels=["source", "stream"])
        for row in quarantined:
            held.add_metric([row["source"], row["stream"]], row["records"])
        score = GaugeMetricFamily("lienthong_quality_score_ratio",
                                  "Share of checked rows passing, per dimension (dung, du, sach, song), over "
                                  "every day and dataset of metric_data_quality",
                                  labels=["dimension"])
        for row in quality:
            if row["score_pct"] is not None:
                score.add_metric([row["dimension"]], row["score_pct"] / 100.0)
        yield from (success, calls, latency, status, last_sync, held, score)


def exposition(engine: Engine) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WarehouseCollector(engine))
    return generate_latest(registry)
