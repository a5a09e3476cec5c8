"""Connection health per system and local day, rolled up from the per-call observations.

status: green when at least 99 % of calls succeeded, yellow from 95 %, red below (a system that
"frequently loses connection", seeds 004, shows red); the thresholds are configuration
(hub.settings.HealthThresholds). Per endpoint and hour, with latency percentiles: health_endpoint.py.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Engine, func, select

from connectors.base import OUTCOMES
from hub.metrics.sql import count_if
from hub.settings import HealthThresholds
from hub.warehouse.db import upsert
from hub.warehouse.schema import health_call, metric_connection_health


def publish_connection_health(engine: Engine, since: date | None = None,
                              thresholds: HealthThresholds | None = None) -> list[dict]:
    thresholds = thresholds or HealthThresholds()
    counts = [count_if(health_call.c.outcome == outcome).label(outcome) for outcome in OUTCOMES]
    query = (
        select(health_call.c.system, health_call.c.observed_date, func.count().label("calls"), *counts,
               func.avg(health_call.c.latency_ms).label("avg_latency"),
               func.max(health_call.c.latency_ms).label("max_latency"),
               func.coalesce(func.sum(health_call.c.bytes), 0).label("bytes"))
        .where(health_call.c.observed_date.is_not(None))
        .group_by(health_call.c.system, health_call.c.observed_date)
    )
    if since is not None:
        query = query.where(health_call.c.observed_date >= since)
    now = datetime.now(timezone.utc)
    rows = []
    with engine.begin() as conn:
        for r in conn.execute(query).mappings():
            rate = round(100.0 * r["ok"] / r["calls"], 2)
            rows.append({
                "system": r["system"], "day": r["observed_date"], "calls": r["calls"], "calls_ok": r["ok"],
                **{f"calls_{o}": r[o] for o in OUTCOMES if o != "ok"},
                "success_rate_pct": rate,
                "avg_latency_ms": None if r["avg_latency"] is None else round(float(r["avg_latency"]), 3),
                "max_latency_ms": r["max_latency"], "bytes_received": int(r["bytes"]),
                "status": thresholds.grade(rate, thresholds.success_green_pct, thresholds.success_yellow_pct, True), "computed_at": now,
            })
        upsert(conn, metric_connection_health, rows)
    return rows
