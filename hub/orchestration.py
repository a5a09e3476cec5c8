"""What the Airflow DAG files share: how every DAG runs (``lienthong_dag``: its start, one run at a
time, the retry policy), the warehouse-readying first task, the Assets that chain the DAGs, the daily
publish's time and deadline. The DAG files (dags/) wire these to the stage functions in hub.pipeline.

Scheduling (docs/operations.md):
- each source's sync DAG runs on its own schedule, each run responsible for one day's data interval
  (the day before it fires): its sync reads that interval's update window (``update_window``), so
  re-running or backfilling a day reads the same updates; when it has loaded, it emits the Asset
  ``lienthong://warehouse/<source>``;
- the check DAG runs when the portal's dossiers were synced (the only data it checks), and emits
  ``lienthong://quality/dossiers``;
- the publish DAG runs when the checked dossiers or the monitoring reports changed, and every day
  at 15:00 Asia/Ho_Chi_Minh whatever happened; a publish run still unfinished an hour after it was
  queued (16:00 for the daily one; LIENTHONG_PUBLISH_DEADLINE seconds) raises the deadline alert,
  which the triggerer runs: an ERROR log line and a line in <var>/alerts.jsonl.
"""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, dag, task

from connectors.incremental import UpdateWindow
from hub.settings import LOCAL_TZ, Settings, lookup

log = logging.getLogger(__name__)

START = pendulum.datetime(2025, 7, 1, tz=LOCAL_TZ)

# Every task touches a system or the warehouse: 30 s, 1 min, 2 min, 4 min, capped at 10 min.
RETRY_POLICY = {
    "retries": 4,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}


def lienthong_dag(dag_id: str, *, schedule, tags: list[str], doc_md: str | None, **options):
    """The ``@dag`` of every LienThong DAG: runs from START without catching up, one run at a time, its
    tasks retried by RETRY_POLICY; tagged "lienthong" and ``tags``."""
    return dag(dag_id=dag_id, schedule=schedule, start_date=START, catchup=False, max_active_runs=1,
               default_args=RETRY_POLICY, tags=["lienthong", *tags], doc_md=doc_md, **options)


# The first task of the sync and health DAGs (either may run first on a fresh deployment): the first
# to run migrates under a database lock, the others wait for it and find the warehouse current
# (LIENTHONG_AUTO_MIGRATE=false: fails, naming the command).
@task
def upgrade_warehouse() -> None:
    from hub import pipeline  # in the task: the DAG files parse without the stages' imports
    pipeline.ready_warehouse()


# When each sync fires, local time. Localities report to the monitoring system before 16:00: read
# it after the cut-off.
SYNC_SCHEDULES = {"monitoring": "30 16 * * *"}
DEFAULT_SYNC_SCHEDULE = "0 0 * * *"
SYNC_INTERVAL = timedelta(days=1)  # each run's data interval: the day before it fires
HEALTH_SCHEDULE = "*/15 * * * *"

DAILY_PUBLISH_CRON = "0 15 * * *"  # local time
# The daily publish is done by 16:00 local: an hour after it is queued (seconds, for tests and drills).
PUBLISH_DEADLINE = timedelta(seconds=int(lookup("publish_deadline", default=3600)))
ALERTS_FILE = "alerts.jsonl"  # under LIENTHONG_VAR_DIR: one JSON object a line per alert fired
# The sources whose new data changes the published metrics at once; the others (the sectoral
# registers) are picked up by the daily publish, so their syncs never republish everything.
PUBLISH_ON_SOURCES = ("monitoring", "dvc_portal_catalogue", "dvc_portal_reporting")
CHECKED_ON_SOURCE = "dvc_portal"


def source_names() -> list[str]:
    """Every source the hub knows, one sync DAG each: read from the source registry alone, so a DAG
    file parses without importing the stages (hub.pipeline is imported inside the tasks)."""
    from hub.sources import all_sources

    return list(all_sources())


def sync_schedule(source: str) -> CronTriggerTimetable:
    """A source's timetable: fires at its cron time (local), each run covering the day before; a
    manual run has no data interval (Airflow 3) and syncs from the checkpoint."""
    return CronTriggerTimetable(SYNC_SCHEDULES.get(source, DEFAULT_SYNC_SCHEDULE), timezone=LOCAL_TZ,
                                interval=SYNC_INTERVAL)


def update_window(data_interval_start: datetime | None, data_interval_end: datetime | None) -> UpdateWindow | None:
    """The update window a sync run reads: its data interval, when it has one that is not empty
    (scheduled and backfill runs); else None, and the sync reads from its checkpoint."""
    if data_interval_start is None or data_interval_end is None or data_interval_end <= data_interval_start:
        return None
    return UpdateWindow(pendulum.instance(data_interval_start).in_timezone("UTC"),
                        pendulum.instance(data_interval_end).in_timezone("UTC"))


def synced(source: str) -> Asset:
    """The Asset a source's sync DAG emits once its data is in the warehouse."""
    return Asset(name=f"lienthong_{source}_synced", uri=f"lienthong://warehouse/{source}")


CHECKED_DOSSIERS = Asset(name="lienthong_dossiers_checked", uri="lienthong://quality/dossiers")
PUBLISHED_METRICS = Asset(name="lienthong_metrics_published", uri="lienthong://metrics/published")


def publish_period_end(run_after: datetime) -> date:
    """The last complete local day before the run was due: what a publish run covers (to date),
    so re-running it publishes the same period and a backfill publishes each day's figures."""
    return pendulum.instance(run_after).in_timezone(LOCAL_TZ).date() - timedelta(days=1)


def sync_totals(reports: list[dict]) -> dict:
    """The counts of a sync's partitions together: the extra of the Asset event it emits."""
    keys = ("fetched", "loaded", "quarantined", "unchanged")
    return {"partitions": len(reports), **{k: sum(r[k] for r in reports) for k in keys}}


async def publish_deadline_missed(context: dict | None = None, **kwargs) -> None:
    """The deadline alert (run by the triggerer): the publish run has not finished in time; the run
    goes on. Logged at ERROR, where the operators' log alerting looks, and appended to
    <var>/alerts.jsonl, which outlives the triggerer's log and which a file-watching alert can follow."""
    context = context or {}
    dag_run = context.get("dag_run") or {}  # the scheduler sends the run as the REST API shows it
    deadline = context.get("deadline") or {}
    alert = {"alert": "publish_late", "dag_id": dag_run.get("dag_id", "lienthong_publish"),
             "run_id": dag_run.get("dag_run_id"), "queued_at": dag_run.get("queued_at"),
             "deadline": str(deadline.get("deadline_time")), "fired_at": datetime.now(timezone.utc).isoformat()}
    log.error("LienThong publish late: run %s of %s has not finished %s after it was queued "
              "(the daily figures are due by 16:00 Asia/Ho_Chi_Minh)", alert["run_id"], alert["dag_id"],
              PUBLISH_DEADLINE)
    record_alert(alert)


def record_alert(alert: dict, settings: Settings | None = None) -> None:
    """Append one alert to <var>/alerts.jsonl (one JSON object a line, no personal data)."""
    var_dir = (settings or Settings.load()).var_dir
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / ALERTS_FILE, "a", encoding="utf-8") as alerts:
        alerts.write(json.dumps(alert, ensure_ascii=False, default=str) + "\n")
