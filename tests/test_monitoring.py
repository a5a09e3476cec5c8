"""Monitoring reports flow from the monitoring system to the readiness heat map, reproducing the seeds."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from connectors.config import Secret, SystemConfig
from connectors.monitoring import MonitoringConnector
from hub import pipeline
from hub.metrics.readiness import publish_readiness
from hub.warehouse.schema import commune_report, metric_readiness_nation, metric_readiness_province


def _config(stack, **options) -> SystemConfig:
    entry = stack.endpoints["monitoring"]
    return SystemConfig("monitoring", entry["url"], entry.get("username"), Secret(entry.get("password")),
                        dict(entry["options"], **options))


def test_reads_one_batch_per_report_date_with_that_date_as_checkpoint(sandbox):
    connector = MonitoringConnector(_config(sandbox, period={"start": "2025-08-09", "end": "2025-08-31"}),
                                    today=lambda: date(2025, 8, 10))
    batches = list(connector.read("bao_cao_tinh", "all", None))
    assert [b.checkpoint.position.watermark for b in batches] == ["2025-08-09", "2025-08-10"]
    assert all(len(b.records) == 34 for b in batches)


def test_every_run_reads_the_last_days_again_for_late_reports(sandbox):
    connector = MonitoringConnector(_config(sandbox, lookback_days=2), today=lambda: date(2025, 8, 12))
    batches = list(connector.read("bao_cao_tinh", "all", "2025-08-10"))
    # the two days already read (9 and 10 Aug) come again, then the new ones
    assert [b.checkpoint.position.watermark for b in batches] == ["2025-08-09", "2025-08-10", "2025-08-11", "2025-08-12"]


@pytest.fixture
def synced(sandbox, settings, engine):
    config = _config(sandbox, period={"start": "2025-08-10", "end": "2025-08-10"})
    report = pipeline.sync_source("monitoring", settings, system=config)
    assert report.status == "succeeded" and report.quarantined == 0
    config = _config(sandbox, period={"start": "2025-08-24", "end": "2025-08-24"})
    pipeline.sync_source("monitoring", settings, system=config)
    return publish_readiness(engine)


def test_the_heat_map_reproduces_the_seeds_figures(synced, engine):
    nation = {row["report_date"]: row for row in synced}
    aug10, aug24 = nation[date(2025, 8, 10)], nation[date(2025, 8, 24)]
    assert (aug10["provinces_green"], aug10["provinces_yellow"], aug10["provinces_red"]) == (31, 3, 0)
    assert aug10["communes_reporting"] == 3321 and aug10["provinces_all_green"] == 9
    assert aug24["provinces_green"] == 34
    assert (aug24["communes_basic"], aug24["basic_pct"]) == (2386, 71.85)
    assert (aug24["provinces_over_50pct_green"], aug24["provinces_over_70pct_green"]) == (25, 21)
    assert aug24["staffed_pct"] == 95.75
    with engine.connect() as conn:
        cao_bang = conn.execute(select(metric_readiness_province).where(
            metric_readiness_province.c.report_date == date(2025, 8, 10),
            metric_readiness_province.c.province_code == "04")).mappings().one()
        assert (cao_bang["communes_green"], cao_bang["communes"], cao_bang["green_pct"]) == (3, 56, 5.36)
        stored = conn.execute(select(metric_readiness_nation)).mappings().all()
        assert len(stored) == 2


def test_a_resync_of_the_same_days_changes_nothing(sandbox, settings, engine, synced):
    with engine.connect() as conn:
        before = conn.execute(select(commune_report.c.report_date, commune_report.c.commune_code,
                                     commune_report.c.reported_status).order_by(
            commune_report.c.report_date, commune_report.c.commune_code)).all()
    config = _config(sandbox, period={"start": "2025-08-10", "end": "2025-08-10"})
    pipeline.sync_source("monitoring", settings, system=config)
    with engine.connect() as conn:
        after = conn.execute(select(commune_report.c.report_date, commune_report.c.commune_code,
                                    commune_report.c.reported_status).order_by(
            commune_report.c.report_date, commune_report.c.commune_code)).all()
    assert before == after and len(before) >= 2 * 3321
