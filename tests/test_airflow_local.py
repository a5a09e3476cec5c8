"""A real Airflow 3 (api-server, scheduler, dag-processor, triggerer; LocalExecutor on a SQLite
metadata database) runs the project's DAGs against the sandbox and an empty PostgreSQL warehouse,
driven only through the REST API: every DAG unpaused at the same moment, as a fresh deployment does,
plus runs triggered through the API; every run must succeed and the metric tables hold the sandbox's
figures. The publish deadline is one second here, so the deadline alert fires for the publish runs.
Then a three-day backfill of the portal sync, each run reading its own day's updates, leaves the
warehouse exactly as the one run left it.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text

from hub.airflow_stack import CORE, AirflowStack, free_port
from hub.settings import LOCAL_TZ
from hub.warehouse.schema import metric_online_filing_rate
from tests import airflow_helpers as af
from tests import postgres
from tests.conftest import TEST_PII_KEY
from tests.test_dag import SOURCE_DAGS
from tests.truth import online_counts_by_province, warehouse_snapshot

# One Airflow start for the module; on a machine shared with other work its first runs can take minutes.
pytestmark = [pytest.mark.airflow, pytest.mark.airflow_stack, pytest.mark.postgres, pytest.mark.timeout(1500)]
ALL_DAGS = SOURCE_DAGS | {"lienthong_check", "lienthong_publish", "lienthong_health"}
PUBLISH_DEADLINE_SECONDS = 1  # every publish run misses it: the alert fires while the runs go on


@pytest.fixture(scope="module")
def warehouse_url(pg_admin_url):
    url = postgres.create_database(pg_admin_url)
    yield url
    postgres.drop_database(pg_admin_url, url)


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, sandbox, warehouse_url):
    home = tmp_path_factory.mktemp("airflow")
    stack = AirflowStack(home=home, port=free_port(), components=CORE + ("triggerer",), parallelism=4,
                         environment={"LIENTHONG_DB_URL": warehouse_url, "LIENTHONG_VAR_DIR": str(home / "var"),
                                      "LIENTHONG_PII_KEY": TEST_PII_KEY.decode(),
                                      "LIENTHONG_PUBLISH_DEADLINE": str(PUBLISH_DEADLINE_SECONDS),
                                      **af.sandbox_connections(sandbox)})
    with stack:
        yield stack


@pytest.fixture(scope="module")
def first_runs(airflow):
    """Unpause everything at once on the empty warehouse, trigger publish and health through the API
    too (they may run before any sync), and wait for every run, Asset-triggered ones included."""
    api = airflow.api()
    af.wait_for_dags(airflow, api, ALL_DAGS)
    af.unpause_all(airflow, api)
    triggered = [af.trigger(airflow, api, "lienthong_publish"), af.trigger(airflow, api, "lienthong_health")]

    def done(runs):
        ran = {r["dag_id"] for r in runs}
        asset_publish = [r for r in runs if r["dag_id"] == "lienthong_publish" and r["run_type"] == "asset_triggered"]
        return ALL_DAGS <= ran and asset_publish

    runs = af.wait_until_settled(airflow, api, done, timeout=900)
    return api, runs, triggered


def test_every_first_run_succeeds_when_all_dags_are_unpaused_at_once(airflow, first_runs):
    api, runs, triggered = first_runs
    assert af.failures(airflow, api, runs) == []
    assert set(triggered) <= {r["dag_run_id"] for r in runs}
    assert {r["dag_id"] for r in runs if r["run_type"] == "asset_triggered"} >= {"lienthong_check", "lienthong_publish"}


def test_the_portal_sync_maps_one_task_per_province_and_emits_its_asset(airflow, first_runs, sandbox):
    api, runs, _ = first_runs
    run = next(r for r in runs if r["dag_id"] == "lienthong_dvc_portal")
    syncs = [t for t in af.task_instances(airflow, api, "lienthong_dvc_portal", run["dag_run_id"]) if t["task_id"] == "sync"]
    assert len(syncs) == len(sandbox.endpoints["dvc_portal"]["options"]["partitions"])
    events = af.get(api, f"{airflow.url}/api/v2/assets/events", source_dag_id="lienthong_dvc_portal")["asset_events"]
    assert events and events[0]["extra"]["fetched"] > 0


def test_the_publish_deadline_alert_fires_for_a_publish_run_not_finished_in_time(airflow, first_runs):
    """Airflow's deadline alert (hub/orchestration.py) as the scheduler stored it from the DAG file,
    marked missed for the publish runs, its callback run by the triggerer, and the alert's line in
    <var>/alerts.jsonl."""
    _, runs, _ = first_runs
    publish_runs = {r["dag_run_id"] for r in runs if r["dag_id"] == "lienthong_publish"}
    engine = create_engine(f"sqlite:///{airflow.home / 'airflow.db'}")
    with engine.connect() as conn:
        alerts = conn.execute(text("SELECT a.reference, a.interval, a.callback_def FROM deadline_alert a"
                                   " JOIN serialized_dag s ON s.id = a.serialized_dag_id"
                                   " WHERE s.dag_id = 'lienthong_publish'")).all()
    assert alerts
    for reference, interval, callback in alerts:
        assert json.loads(reference)["reference_type"] == "DagRunQueuedAtDeadline"
        assert json.loads(interval)["__data__"] == PUBLISH_DEADLINE_SECONDS
        assert json.loads(callback)["__data__"]["path"] == "hub.orchestration.publish_deadline_missed"

    alerts_file = airflow.home / "var" / "alerts.jsonl"
    missed_query = text("SELECT r.run_id, c.state FROM deadline d JOIN dag_run r ON r.id = d.dagrun_id"
                        " JOIN callback c ON c.id = d.callback_id WHERE r.dag_id = 'lienthong_publish' AND d.missed")
    give_up = time.monotonic() + 60  # the scheduler marks a miss on its next loop, the triggerer then runs it
    while True:
        with engine.connect() as conn:
            missed = dict(conn.execute(missed_query).all())
        fired = [json.loads(line) for line in alerts_file.read_text().splitlines()] if alerts_file.exists() else []
        if (missed and "success" in missed.values() and fired) or time.monotonic() > give_up:
            break
        time.sleep(2)
    engine.dispose()
    assert set(missed) <= publish_runs and "success" in missed.values(), missed
    assert {a["run_id"] for a in fired} <= publish_runs and fired, fired
    assert {(a["alert"], a["dag_id"]) for a in fired} == {("publish_late", "lienthong_publish")}


def test_the_published_rates_equal_a_direct_count_of_the_sandbox(first_runs, warehouse_url, sandbox):
    engine = create_engine(warehouse_url)
    with engine.connect() as conn:
        nation = conn.execute(select(metric_online_filing_rate).where(metric_online_filing_rate.c.unit_level == "nation")
                              .order_by(metric_online_filing_rate.c.computed_at.desc()).limit(1)).mappings().one()
    engine.dispose()
    assert nation["period_end"] < datetime.now(ZoneInfo(LOCAL_TZ)).date()  # the last complete local day before the run
    truth = online_counts_by_province(sandbox, nation["period_start"], nation["period_end"])
    assert nation["dossiers_received"] == sum(received for received, _ in truth.values()) > 0
    assert nation["dossiers_online"] == sum(online for _, online in truth.values())
    assert af.count_rows(warehouse_url, "metric_connection_health") > 0
    assert af.count_rows(warehouse_url, "quality_result") > 0


def test_a_three_day_backfill_reads_each_days_updates_and_leaves_the_tables_as_one_run_left_them(
        airflow, first_runs, warehouse_url):
    api, _, _ = first_runs
    engine = create_engine(warehouse_url)
    one_run = warehouse_snapshot(engine)
    backfill = {"dag_id": "lienthong_dvc_portal", "from_date": "2025-08-17T00:00:00+07:00",
                "to_date": "2025-08-19T00:00:00+07:00", "max_active_runs": 1, "reprocess_behavior": "none"}
    # Airflow answers 503 when the scheduler holds the DAG's row lock at that moment ("lock not
    # available"): the request is to be made again, as any client of its API would.
    for _ in range(10):
        reply = api.post(f"{airflow.url}/api/v2/backfills", timeout=60, json=backfill)
        if reply.status_code != 503:
            break
        time.sleep(2)
    reply.raise_for_status()

    def backfilled(runs):
        return len([r for r in runs if r["dag_id"] == "lienthong_dvc_portal" and r["run_type"] == "backfill"]) == 3

    runs = af.wait_until_settled(airflow, api, backfilled, timeout=420)
    assert af.failures(airflow, api, runs) == []
    assert warehouse_snapshot(engine) == one_run
    engine.dispose()
    for run in (r for r in runs if r["dag_id"] == "lienthong_dvc_portal" and r["run_type"] == "backfill"):
        report = af.get(api, f"{airflow.url}/api/v2/dags/lienthong_dvc_portal/dagRuns/{run['dag_run_id']}"
                             "/taskInstances/sync/xcomEntries/return_value", map_index=0)["value"]
        report = json.loads(report) if isinstance(report, str) else report
        read = [datetime.fromisoformat(moment) for moment in report["window"]]
        assert read == [datetime.fromisoformat(run["data_interval_start"].replace("Z", "+00:00")),
                        datetime.fromisoformat(run["data_interval_end"].replace("Z", "+00:00"))]
        assert read[1] - read[0] == timedelta(days=1)
