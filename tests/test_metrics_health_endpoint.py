"""Connection health per endpoint and local hour/day, and data freshness per system, from
health_call observations and canonical rows written by hand (values computed by hand below)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, insert, select

from hub.metrics.freshness import publish_source_freshness
from hub.metrics.health_endpoint import publish_endpoint_health
from hub.settings import HealthThresholds, InvalidSetting
from hub.warehouse.schema import health_call, metric_connection_health_endpoint, sectoral_record

DAY = date(2025, 8, 10)


def _utc(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2025, 8, day, hour, minute, tzinfo=timezone.utc)


def _call(system, endpoint, outcome, latency, at: datetime) -> dict:
    return {"system": system, "endpoint": endpoint, "outcome": outcome, "latency_ms": latency, "bytes": 10,
            "observed_at": at, "observed_date": DAY}


CALLS = [  # 03:xx UTC is 10:xx in Hanoi, 04:xx is 11:xx
    _call("dvc_portal", "LayDanhSachHoSo", "ok", 10.0, _utc(3, 5)),
    _call("dvc_portal", "LayDanhSachHoSo", "ok", 30.0, _utc(3, 20)),
    _call("dvc_portal", "LayDanhSachHoSo", "ok", 20.0, _utc(3, 10)),
    _call("dvc_portal", "LayDanhSachHoSo", "http_5xx", 40.0, _utc(3, 30)),
    _call("dvc_portal", "LayDanhSachHoSo", "timeout", None, _utc(3, 40)),  # no latency: not in the percentiles
    _call("dvc_portal", "LayDanhSachHoSo", "ok", 100.0, _utc(4, 0)),
    _call("dvc_portal", "LayDanhSachHoSo", "circuit_open", None, _utc(4, 30)),
    _call("dvc_portal", "login", "ok", 5000.0, _utc(4, 10)),
    _call("land_registry", "thua_dat", "ok", 50.0, _utc(5)),
    _call("civil_status", "hotich", "ok", 50.0, _utc(5)),
    _call("population_db", "verify", "timeout", None, _utc(5)),
    _call("monitoring", "xa", "ok", 7.0, _utc(5)),
    {**_call("monitoring", "xa", "ok", 7.0, _utc(5, day=12)), "observed_date": date(2025, 8, 12)},
]


def _record(source, key, updated_at) -> dict:
    return {"source": source, "record_key": key, "record_type": "t", "updated_at": updated_at, "load_id": "L",
            "loaded_at": _utc(6)}


@pytest.fixture(scope="module")
def published(module_engine):
    with module_engine.begin() as conn:
        conn.execute(insert(health_call), CALLS)
        conn.execute(insert(sectoral_record), [
            _record("land_registry", "p1", _utc(1)), _record("land_registry", "p2", _utc(2)),
            _record("civil_status", "e1", _utc(5, day=8)),
        ])
    rows = publish_endpoint_health(module_engine)
    return {(r["system"], r["endpoint"], r["grain"], r["hour"]): r for r in rows if r["day"] == DAY}


def test_each_local_hour_of_an_endpoint_has_its_calls_error_classes_and_last_success(published):
    ten = published[("dvc_portal", "LayDanhSachHoSo", "hour", 10)]
    assert (ten["day"], ten["calls"], ten["calls_ok"], ten["calls_http_5xx"], ten["calls_timeout"],
            ten["calls_other"]) == (DAY, 5, 3, 1, 1, 0)
    assert ten["success_rate_pct"] == 60.0 and ten["status"] == "red"
    assert ten["last_success_at"].replace(tzinfo=timezone.utc) == _utc(3, 20)
    eleven = published[("dvc_portal", "LayDanhSachHoSo", "hour", 11)]
    assert (eleven["calls"], eleven["calls_ok"], eleven["calls_other"]) == (2, 1, 1)  # circuit_open is "other"


def test_latency_percentiles_interpolate_between_ranks_like_percentile_cont(published):
    ten = published[("dvc_portal", "LayDanhSachHoSo", "hour", 10)]
    # 10, 20, 30, 40: p50 at rank 2.5 -> 25; p95 at rank 3.85 -> 30 + 0.85 × 10
    assert (ten["latency_p50_ms"], ten["latency_p95_ms"], ten["max_latency_ms"]) == (25.0, 38.5, 40.0)
    day = published[("dvc_portal", "LayDanhSachHoSo", "day", 0)]
    # 10, 20, 30, 40, 100: p50 at rank 3 -> 30; p95 at rank 4.8 -> 40 + 0.8 × 60
    assert (day["calls"], day["calls_ok"], day["latency_p50_ms"], day["latency_p95_ms"]) == (7, 4, 30.0, 88.0)


def test_endpoint_star_is_the_whole_system_with_percentiles_over_all_its_calls(published):
    system = published[("dvc_portal", "*", "hour", 11)]
    # LayDanhSachHoSo 100 ms and a circuit_open, login 5000 ms: p50 = 2550, p95 = 100 + 0.95 × 4900
    assert (system["calls"], system["calls_ok"], system["latency_p50_ms"], system["latency_p95_ms"]) == (
        3, 2, 2550.0, 4755.0)
    assert published[("dvc_portal", "*", "day", 0)]["calls"] == 8


def test_the_percentiles_equal_postgresqls_own_percentile_cont(published, module_engine):
    if module_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no percentile_cont")
    h = health_call.c
    with module_engine.connect() as conn:
        p50, p95 = conn.execute(select(func.percentile_cont(0.5).within_group(h.latency_ms),
                                       func.percentile_cont(0.95).within_group(h.latency_ms))
                                .where(h.endpoint == "LayDanhSachHoSo")).one()
    day = published[("dvc_portal", "LayDanhSachHoSo", "day", 0)]
    assert (day["latency_p50_ms"], day["latency_p95_ms"]) == (round(p50, 3), round(p95, 3))


def test_a_slow_endpoint_is_yellow_even_when_every_call_succeeds_and_thresholds_are_configurable(
        published, module_engine):
    login = published[("dvc_portal", "login", "hour", 11)]
    assert login["success_rate_pct"] == 100.0 and login["latency_p95_ms"] == 5000.0 and login["status"] == "yellow"
    strict = {(r["system"], r["endpoint"], r["grain"], r["hour"]): r["status"] for r in publish_endpoint_health(
        module_engine, thresholds=HealthThresholds(p95_green_ms=100.0, p95_yellow_ms=1000.0))}
    assert strict[("dvc_portal", "login", "hour", 11)] == "red"
    assert strict[("land_registry", "thua_dat", "hour", 12)] == "green"


def test_hours_and_days_without_calls_have_rows_with_zero_counts_and_nothing_graded(published, module_engine):
    silent = published[("dvc_portal", "LayDanhSachHoSo", "hour", 3)]
    assert (silent["calls"], silent["calls_ok"], silent["success_rate_pct"], silent["latency_p95_ms"],
            silent["status"]) == (0, 0, None, None, None)
    assert {hour for (system, endpoint, grain, hour) in published
            if (system, endpoint, grain) == ("land_registry", "thua_dat", "hour")} == set(range(24))
    with module_engine.connect() as conn:
        verify_days = conn.execute(select(metric_connection_health_endpoint.c.day, metric_connection_health_endpoint.c.calls)
                                   .where(metric_connection_health_endpoint.c.endpoint == "xa",
                                          metric_connection_health_endpoint.c.grain == "day")
                                   .order_by(metric_connection_health_endpoint.c.day)).all()
    assert [tuple(r) for r in verify_days] == [(DAY, 1), (date(2025, 8, 11), 0), (date(2025, 8, 12), 1)]


def test_republishing_gives_the_same_rows(published, module_engine):
    again = publish_endpoint_health(module_engine)
    assert len({(r["system"], r["endpoint"], r["grain"], r["day"], r["hour"]) for r in again}) == len(again)
    called = [r for r in again if r["calls"] and r["day"] == DAY]
    # hours: the portal's listing 10 and 11, login 11, one for each other system; days: one per endpoint;
    # the same for each system as a whole ('*'): the portal 10 and 11, the others one hour; one day each
    assert len(called) == (2 + 1 + 4) + (1 + 1 + 4) + (2 + 4) + 5
    assert {k: r["status"] for k, r in published.items()} == {
        (r["system"], r["endpoint"], r["grain"], r["hour"]): r["status"] for r in again if r["day"] == DAY}
    with module_engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(metric_connection_health_endpoint)).scalar_one()
    assert stored == len(again)


def test_freshness_measures_how_old_the_newest_record_was_when_the_system_last_answered(published, module_engine):
    rows = {r["system"]: r for r in publish_source_freshness(module_engine)}
    land = rows["land_registry"]
    assert (land["records_held"], land["data_lag_s"], land["status"]) == (2, 3 * 3600.0, "green")
    assert rows["civil_status"]["data_lag_s"] == 48 * 3600.0 and rows["civil_status"]["status"] == "red"
    population = rows["population_db"]
    assert population["last_success_at"] is None and population["records_held"] == 0 and population["status"] == "red"


def test_thresholds_come_from_the_environment_and_nonsense_is_refused():
    loaded = HealthThresholds.load({"LIENTHONG_HEALTH_P95_GREEN_MS": "500", "LIENTHONG_CONFIG": "/nonexistent"})
    assert loaded.p95_green_ms == 500.0 and loaded.success_green_pct == 99.0
    with pytest.raises(InvalidSetting, match="HEALTH_LAG_GREEN_S"):
        HealthThresholds.load({"LIENTHONG_HEALTH_LAG_GREEN_S": "soon", "LIENTHONG_CONFIG": "/nonexistent"})
    with pytest.raises(InvalidSetting, match="swap"):
        HealthThresholds.load({"LIENTHONG_HEALTH_SUCCESS_GREEN_PCT": "90", "LIENTHONG_CONFIG": "/nonexistent"})
