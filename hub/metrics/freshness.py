"""Per system: when it last answered, and how fresh the data the hub holds from it is.

data lag: how old the newest record the hub holds from a system (its source-side update time)
was at the moment the system last answered. A system that answers but whose newest record is
a day old has stopped sending changes, or the hub has stopped reading them. status: red when the
system never answered, else graded on the lag (hub.settings.HealthThresholds).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine, case, func, literal, select, union_all

from hub.settings import HealthThresholds
from hub.warehouse.db import upsert
from hub.warehouse.schema import (citizen_verification, commune_report, dossier, health_call, metric_source_freshness,
                                  sectoral_record)


def _held():
    """Records held per source system, with their newest source update and latest load."""
    def per_source(table, system):
        return (select(system.label("system"), func.count().label("records"),
                       func.max(table.c.updated_at).label("newest"), func.max(table.c.loaded_at).label("loaded"))
                .group_by(system))
    return union_all(per_source(dossier, dossier.c.source), per_source(sectoral_record, sectoral_record.c.source),
                     per_source(citizen_verification, citizen_verification.c.source),
                     per_source(commune_report, literal("monitoring")))


def publish_source_freshness(engine: Engine, thresholds: HealthThresholds | None = None) -> list[dict]:
    thresholds = thresholds or HealthThresholds()
    h = health_call.c
    calls = select(h.system, func.max(h.observed_at).label("last_call"),
                   func.max(case((h.outcome == "ok", h.observed_at))).label("last_success")).group_by(h.system)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        answered = {r.system: r for r in conn.execute(calls)}
        held: dict[str, list] = {}
        for r in conn.execute(_held()):
            if r.records:
                total = held.setdefault(r.system, [0, None, None])
                total[0] += r.records
                total[1] = _latest(total[1], r.newest)
                total[2] = _latest(total[2], r.loaded)
        rows = []
        for system in sorted(set(answered) | set(held)):
            call = answered.get(system)
            records, newest, loaded = held.get(system, (0, None, None))
            last_success = _utc(call.last_success) if call else None
            lag = (last_success - _utc(newest)).total_seconds() if last_success and newest else None
            status = ("red" if last_success is None else
                      thresholds.worst(thresholds.grade(lag, thresholds.lag_green_s, thresholds.lag_yellow_s)))
            rows.append({"system": system, "last_call_at": _utc(call.last_call) if call else None,
                         "last_success_at": last_success, "records_held": records, "newest_record_at": _utc(newest),
                         "last_loaded_at": _utc(loaded), "data_lag_s": None if lag is None else max(lag, 0.0),
                         "status": status, "computed_at": now})
        upsert(conn, metric_source_freshness, rows)
    return rows


def _utc(stamp: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were stored as UTC."""
    if stamp is None or stamp.tzinfo is not None:
        return stamp
    return stamp.replace(tzinfo=timezone.utc)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((_utc(x) for x in (a, b) if x is not None), default=None)
