"""Reads of what the hub stored, as the command line shows them: the call health per system and
outcome, the national readiness by day, the latest national dossier reduction. Aggregated in the
database; nothing here writes."""
from __future__ import annotations

from sqlalchemy import Engine, func, select

from hub.warehouse.schema import health_call, metric_dossier_reduction, metric_readiness_nation


def call_summary(engine: Engine) -> list[dict]:
    """Per system and outcome: calls, mean latency (ms), last seen."""
    query = (select(health_call.c.system, health_call.c.outcome, func.count().label("calls"),
                    func.avg(health_call.c.latency_ms).label("avg_latency_ms"),
                    func.max(health_call.c.observed_at).label("last_seen"))
             .group_by(health_call.c.system, health_call.c.outcome)
             .order_by(health_call.c.system, health_call.c.outcome))
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def national_readiness(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(
            select(metric_readiness_nation).order_by(metric_readiness_nation.c.report_date)).mappings()]


def national_reduction(engine: Engine) -> dict | None:
    m = metric_dossier_reduction
    with engine.connect() as conn:
        row = conn.execute(select(m).where(m.c.unit_level == "nation")
                           .order_by(m.c.computed_at.desc()).limit(1)).mappings().first()
    return dict(row) if row else None
