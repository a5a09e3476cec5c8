"""Connection health: probes, per-call observations rolled up per system and day."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select

from hub import pipeline
from hub.metrics.health import publish_connection_health
from hub.warehouse.schema import health_call, metric_connection_health


def test_a_probe_records_one_observation_per_system(portal_config, settings, engine, monkeypatch):
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_URL", portal_config.base_url)
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_USERNAME", portal_config.username)
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_PASSWORD", portal_config.password.reveal())
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_OPTIONS", '{"dstcode": "DVCQG"}')
    results = pipeline.probe_sources(settings, ["dvc_portal"])
    assert [(r.system, r.ok) for r in results] == [("dvc_portal", True)]
    with engine.connect() as conn:
        rows = conn.execute(select(health_call.c.system, health_call.c.endpoint, health_call.c.outcome)).all()
    assert [tuple(r) for r in rows] == [("dvc_portal", "login", "ok")]


def test_a_probe_of_a_system_that_does_not_answer_reports_it_without_raising(settings, engine, monkeypatch):
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_OPTIONS", '{"retries": 0}')
    (result,) = pipeline.probe_sources(settings, ["dvc_portal"])
    assert not result.ok and result.detail == "reset"


def test_a_probe_retries_with_the_systems_policy_announcing_each_retry_and_says_when_it_gave_up(settings, engine,
                                                                                                 monkeypatch):
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_OPTIONS", '{"retries": 2, "backoff_factor": 0.05, "backoff_jitter": 0}')
    notices = []
    (result,) = pipeline.probe_sources(settings, ["dvc_portal"], on_retry=notices.append)
    assert [str(n) for n in notices] == ["dvc_portal login: connection refused, retry 1/2 in 0 s",
                                         "dvc_portal login: connection refused, retry 2/2 in 0 s"]
    assert not result.ok and result.detail == "reset, gave up after 3 tries in 0 s"
    with engine.connect() as conn:
        assert conn.execute(select(health_call.c.outcome)).scalars().all() == ["reset"] * 3


def test_observations_roll_up_per_system_and_local_day_with_a_status(engine):
    late_evening_utc = datetime(2025, 8, 10, 18, 0, tzinfo=timezone.utc)  # 01:00 on 11 Aug in Hanoi
    rows = [("ok", 10.0)] * 95 + [("http_5xx", 30.0)] * 3 + [("timeout", None)] * 2
    with engine.begin() as conn:
        conn.execute(insert(health_call), [
            {"system": "population_db", "endpoint": "verify", "outcome": outcome, "latency_ms": latency, "bytes": 100,
             "observed_at": late_evening_utc, "observed_date": late_evening_utc.astimezone().date().replace(day=11)}
            for outcome, latency in rows])
    (row,) = publish_connection_health(engine)
    assert (row["system"], str(row["day"]), row["calls"], row["calls_ok"], row["calls_http_5xx"],
            row["calls_timeout"]) == ("population_db", "2025-08-11", 100, 95, 3, 2)
    assert row["success_rate_pct"] == 95.0 and row["status"] == "yellow"
    assert row["avg_latency_ms"] == round((95 * 10 + 3 * 30) / 98, 3)
    publish_connection_health(engine)
    with engine.connect() as conn:
        assert len(conn.execute(select(metric_connection_health)).all()) == 1
