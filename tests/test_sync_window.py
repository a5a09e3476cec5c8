"""A sync keyed by its data interval (what a scheduled or backfill Airflow run passes): it reads its
update window of the sandbox's portal, monitoring system and land registry, re-running it changes
nothing, and the stored checkpoint never moves backwards, so the next plain sync neither skips nor
loses an update."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from connectors.config import Secret, SystemConfig
from connectors.dvc_portal import DvcPortalConnector
from connectors.monitoring import MonitoringConnector
from connectors.sectoral.models import IsoWatermark
from connectors.dvc_portal.connector import PORTAL_DATE
from connectors.incremental import Position, UpdateWindow
from hub import pipeline
from hub.cli_errors import UsageProblem, parse_window
from hub.orchestration import update_window
from hub.settings import LOCAL_TZ, Settings
from sandbox.land import Parcels
from tests import postgres
from tests.conftest import TEST_PII_KEY
from tests.truth import served_records, warehouse_snapshot

PROVINCE = "H18"
LOCAL = ZoneInfo(LOCAL_TZ)


def day_window(day: datetime) -> UpdateWindow:
    """One local day, as the sync DAGs' daily data interval."""
    start = day.replace(tzinfo=LOCAL)
    return UpdateWindow(start, start + timedelta(days=1))


def a_day_of(sandbox) -> UpdateWindow:
    scenario = sandbox.scenario
    middle = scenario.period_start + (scenario.period_end - scenario.period_start) / 2
    return day_window(datetime(middle.year, middle.month, middle.day))


def stored_position(engine) -> Position:
    with engine.connect() as conn:
        value = conn.execute(text("SELECT value FROM sync_checkpoint WHERE source = 'dvc_portal' AND stream = 'dossiers'"
                                  " AND partition = :p"), {"p": PROVINCE}).scalar_one()
    return Position.decode(value, "portal_window")


def updated_within(sandbox, first: str, end: str) -> list[dict]:
    """The province's dossiers the portal lists for [first, end): its window is half-open."""
    return [r for r in served_records(sandbox) if r["MaHoSo"].startswith(PROVINCE) and first <= r["NgayCapNhat"] < end]


def portal_stamps(window: UpdateWindow, overlap: timedelta) -> tuple[str, str]:
    start, end = window.local(LOCAL)
    return (start - overlap).strftime(PORTAL_DATE), end.strftime(PORTAL_DATE)


def sync(settings, portal_config, window=None):
    return pipeline.sync_source("dvc_portal", settings, [PROVINCE], system=portal_config, window=window).raise_if_failed()


def test_a_window_behind_the_checkpoint_reads_exactly_its_updates_and_leaves_the_checkpoint(sandbox, portal_config,
                                                                                           settings, engine):
    sync(settings, portal_config)
    checkpoint = stored_position(engine)
    before = warehouse_snapshot(engine)
    window = a_day_of(sandbox)
    first, end = portal_stamps(window, DvcPortalConnector(portal_config).overlap)

    report = sync(settings, portal_config, window)

    in_window = updated_within(sandbox, first, end)
    assert in_window and report.window == [window.start.isoformat(), window.end.isoformat()]
    assert report.fetched == len(in_window)
    assert report.unchanged == report.loaded  # already stored: nothing written again
    assert stored_position(engine) == checkpoint
    assert warehouse_snapshot(engine) == before


def test_re_running_a_window_changes_nothing(sandbox, portal_config, settings, engine):
    window = a_day_of(sandbox)
    sync(settings, portal_config, window)
    once = warehouse_snapshot(engine)
    again = sync(settings, portal_config, window)
    assert again.loaded == again.unchanged and warehouse_snapshot(engine) == once


@pytest.fixture
def another_warehouse(request, settings, tmp_path):
    """A second, empty warehouse on the same database engine as ``settings``'s."""
    if settings.db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'another.db'}"
    else:
        admin_url = request.getfixturevalue("pg_admin_url")
        url = postgres.create_database(admin_url)
    another = Settings(var_dir=tmp_path / "another", db_url=url, pii_key=TEST_PII_KEY)
    pipeline.upgrade_warehouse(another)
    yield another
    pipeline.warehouse(another).dispose()
    if not settings.db_url.startswith("sqlite"):
        postgres.drop_database(admin_url, url)


def test_a_window_ahead_of_the_checkpoint_reads_from_it_and_the_next_plain_sync_loses_nothing(
        sandbox, portal_config, settings, engine, another_warehouse):
    window = a_day_of(sandbox)
    _, end = portal_stamps(window, timedelta(0))

    first = sync(settings, portal_config, window)  # never synced: from the beginning to the window's end
    watermark = stored_position(engine).watermark
    assert first.fetched == len(updated_within(sandbox, "", end))
    assert watermark < end
    sync(settings, portal_config)
    assert stored_position(engine).watermark > watermark

    sync(another_warehouse, portal_config)  # one plain sync: what the window and the sync after it must add up to
    without_checkpoints = lambda snapshot: {k: v for k, v in snapshot.items() if k != "sync_checkpoint"}  # noqa: E731
    assert without_checkpoints(warehouse_snapshot(engine)) == \
        without_checkpoints(warehouse_snapshot(pipeline.warehouse(another_warehouse)))


def test_an_airflow_run_passes_its_data_interval_and_a_run_without_one_syncs_from_the_checkpoint():
    start = datetime(2025, 8, 16, 17, tzinfo=ZoneInfo("UTC"))
    assert update_window(start, start + timedelta(days=1)) == UpdateWindow(start, start + timedelta(days=1))
    assert update_window(None, None) is None  # a manual run: no data interval in Airflow 3
    assert update_window(start, start) is None  # an empty interval (an Asset-triggered run)


def test_the_cli_window_is_local_time_and_both_ends_are_required():
    window = parse_window("2025-08-17", "2025-08-18T06:00")
    assert window.start == datetime(2025, 8, 17, tzinfo=LOCAL) and window.end == datetime(2025, 8, 18, 6, tzinfo=LOCAL)
    for first, last in (("2025-08-17", None), ("2025-08-18", "2025-08-17"), ("17/08/2025", "2025-08-18")):
        with pytest.raises(UsageProblem):
            parse_window(first, last)


def system_config(stack, name: str, **options) -> SystemConfig:
    entry = stack.endpoints[name]
    return SystemConfig(name, entry["url"], entry.get("username"), Secret(entry.get("password")),
                        dict(entry.get("options", {}), **options))


def test_a_monitoring_window_reads_the_report_dates_it_spans_after_its_lookback_days(sandbox):
    connector = MonitoringConnector(system_config(sandbox, "monitoring", lookback_days=2), today=lambda: date(2025, 8, 31))
    evening = datetime(2025, 8, 11, 16, 30, tzinfo=LOCAL)  # the monitoring DAG's interval: 16:30 to 16:30
    window = UpdateWindow(evening, evening + timedelta(days=1))

    behind = list(connector.read("bao_cao_tinh", "all", Position("lookback_days", "2025-08-05").encode(), window))
    ahead = list(connector.read("bao_cao_tinh", "all", Position("lookback_days", "2025-08-20").encode(), window))

    # a checkpoint behind the window: read from it (no gap), and move it as a plain sync would
    assert [b.checkpoint.position.watermark for b in behind] == [f"2025-08-{d:02d}" for d in range(4, 13)]
    # a checkpoint past it: the window's dates from a lookback before, and the checkpoint left alone
    assert len(ahead) == 3 and [b.checkpoint for b in ahead] == [None] * 3
    assert [b.records for b in ahead] == [b.records for b in behind[-3:]]


def test_a_land_registry_window_reads_the_parcels_updated_within_it_and_none_after(sandbox, settings, engine):
    config = system_config(sandbox, "land_registry")
    everything = pipeline.sync_source("land_registry", settings, system=config).raise_if_failed()
    parcels = Parcels(sandbox.scenario)
    middle = parcels.updated_at(len(parcels) // 2).astimezone(LOCAL)
    window = day_window(datetime(middle.year, middle.month, middle.day))
    since = window.start - timedelta(seconds=IsoWatermark.model_fields["overlap_seconds"].default)
    with engine.connect() as conn:
        checkpoint = conn.execute(text("SELECT value FROM sync_checkpoint WHERE source = 'land_registry'")).scalar_one()

    report = pipeline.sync_source("land_registry", settings, system=config, window=window).raise_if_failed()

    in_window = [i for i in range(len(parcels)) if since <= parcels.updated_at(i) < window.end]
    assert 0 < report.fetched == len(in_window) < everything.fetched
    assert report.loaded + report.quarantined == report.fetched and report.loaded == report.unchanged
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM sync_checkpoint WHERE source = 'land_registry'")).scalar_one() == checkpoint
