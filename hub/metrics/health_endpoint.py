"""Connection health per system and endpoint, per local hour and per local day.

Counts per outcome (the error classes), success rate, latency p50 and p95 (continuous percentiles
over the attempts that have a latency, computed in SQL: hub.metrics.sql.percentile), the slowest
attempt and the last success. status: the worse of the success-rate and latency-p95 grades, with
the thresholds of hub.settings.HealthThresholds. Endpoint '*' stands for all the system's endpoints
together (its percentiles are over all its calls, which no sum of endpoint rows could give).

Silent periods are rows too: every hour of a day on which the endpoint was called, and every day
between an endpoint's first and last observed days, has a row; without calls it has zero counts
and NULL rate, latencies and status (nothing to grade), never a missing row.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Engine, and_, case, func, literal, select

from connectors.base import OUTCOMES
from hub.metrics.sql import count_if, local_hour, percentile
from hub.settings import HealthThresholds
from hub.warehouse.db import upsert
from hub.warehouse.schema import health_call, metric_connection_health_endpoint

h = health_call.c
GRAINS = ("hour", "day")
ALL_ENDPOINTS = "*"


def _calls(grain: str, per_endpoint: bool, since: date | None):
    """health_call with its grouping keys: system, endpoint ('*' for all), day and hour (0 for the day grain)."""
    hour = local_hour(h.observed_at) if grain == "hour" else literal(0)
    endpoint = h.endpoint if per_endpoint else literal(ALL_ENDPOINTS)
    query = select(h.system, endpoint.label("endpoint"), h.observed_date.label("day"), hour.label("hour"), h.outcome,
                   h.latency_ms, h.observed_at).where(h.observed_date.is_not(None))
    if since is not None:
        query = query.where(h.observed_date >= since)
    return query.subquery()


def _grain_query(grain: str, per_endpoint: bool, since: date | None):
    calls = _calls(grain, per_endpoint, since)
    keys = (calls.c.system, calls.c.endpoint, calls.c.day, calls.c.hour)
    counts = select(
        *keys, func.count().label("calls"),
        *[count_if(calls.c.outcome == outcome).label(outcome) for outcome in OUTCOMES],
        func.max(calls.c.latency_ms).label("max_latency"),
        func.max(case((calls.c.outcome == "ok", calls.c.observed_at))).label("last_success"),
    ).group_by(*keys).subquery()
    timed = select(*keys, calls.c.latency_ms,
                   func.row_number().over(partition_by=keys, order_by=calls.c.latency_ms).label("rank"),
                   func.count().over(partition_by=keys).label("size")).where(calls.c.latency_ms.is_not(None)).subquery()
    timed_keys = (timed.c.system, timed.c.endpoint, timed.c.day, timed.c.hour)
    latencies = select(
        *timed_keys,
        percentile(timed.c.latency_ms, timed.c["rank"], timed.c.size, 50).label("p50"),
        percentile(timed.c.latency_ms, timed.c["rank"], timed.c.size, 95).label("p95"),
    ).group_by(*timed_keys).subquery()
    joined = and_(*[latencies.c[k] == counts.c[k] for k in ("system", "endpoint", "day", "hour")])
    return select(counts, latencies.c.p50, latencies.c.p95).select_from(counts.outerjoin(latencies, joined))


def publish_endpoint_health(engine: Engine, since: date | None = None,
                            thresholds: HealthThresholds | None = None) -> list[dict]:
    thresholds = thresholds or HealthThresholds()
    now = datetime.now(timezone.utc)
    rows = []
    with engine.begin() as conn:
        for grain, per_endpoint in ((g, e) for g in GRAINS for e in (True, False)):
            for r in conn.execute(_grain_query(grain, per_endpoint, since)).mappings():
                known = sum(r[o] for o in OUTCOMES)
                rate = round(100.0 * r["ok"] / r["calls"], 2)
                p95 = _ms(r["p95"])
                rows.append({
                    "system": r["system"], "endpoint": r["endpoint"], "grain": grain, "day": r["day"],
                    "hour": int(r["hour"]), "calls": r["calls"], "calls_ok": r["ok"],
                    **{f"calls_{o}": r[o] for o in OUTCOMES if o != "ok"}, "calls_other": r["calls"] - known,
                    "success_rate_pct": rate, "latency_p50_ms": _ms(r["p50"]), "latency_p95_ms": p95,
                    "max_latency_ms": _ms(r["max_latency"]), "last_success_at": r["last_success"],
                    "status": thresholds.worst(
                        thresholds.grade(rate, thresholds.success_green_pct, thresholds.success_yellow_pct, True),
                        thresholds.grade(p95, thresholds.p95_green_ms, thresholds.p95_yellow_ms)),
                    "computed_at": now,
                })
        rows += _silent(rows, now)
        upsert(conn, metric_connection_health_endpoint, rows)
    return rows


def _silent(rows: list[dict], now: datetime) -> list[dict]:
    """Zero rows for the hours and days without calls (see the module's docstring)."""
    seen = {(r["system"], r["endpoint"], r["grain"], r["day"], r["hour"]) for r in rows}
    wanted = {(r["system"], r["endpoint"], "hour", r["day"], hour) for r in rows if r["grain"] == "hour"
              for hour in range(24)}
    days: dict[tuple, list[date]] = {}
    for r in rows:
        if r["grain"] == "day":
            days.setdefault((r["system"], r["endpoint"]), []).append(r["day"])
    for (system, endpoint), observed in days.items():
        first, last = min(observed), max(observed)
        wanted |= {(system, endpoint, "day", first + timedelta(n), 0) for n in range((last - first).days + 1)}
    counters = ("calls", "calls_ok", *(f"calls_{o}" for o in OUTCOMES if o != "ok"), "calls_other")
    return [{"system": system, "endpoint": endpoint, "grain": grain, "day": day, "hour": hour,
             **dict.fromkeys(counters, 0), "success_rate_pct": None, "latency_p50_ms": None, "latency_p95_ms": None,
             "max_latency_ms": None, "last_success_at": None, "status": None, "computed_at": now}
            for system, endpoint, grain, day, hour in sorted(wanted - seen)]


def _ms(value) -> float | None:
    return None if value is None else round(float(value), 3)
