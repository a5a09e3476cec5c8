"""What the Airflow DAG files share: the retry policy, the Assets that chain the DAGs, the daily
publish's time and deadline. The DAG files (dags/) wire these to the stage functions in hub.pipeline.

Scheduling (docs/operations.md):
- each source's sync DAG runs on its own schedule and, when it has loaded, emits the Asset
  ``lienthong://warehouse/<source>``;
- the check DAG runs when the portal's dossiers were synced (the only data it checks), and emits
  ``lienthong://quality/dossiers``;
- the publish DAG runs when the checked dossiers or the monitoring reports changed, and every day
  at 15:00 Asia/Ho_Chi_Minh whatever happened; a publish run still unfinished an hour after it was
  queued (16:00 for the daily one) raises the deadline alert.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pendulum
from airflow.sdk import Asset

from hub.settings import LOCAL_TZ

log = logging.getLogger(__name__)

START = pendulum.datetime(2025, 7, 1, tz=LOCAL_TZ)

# Every task touches a system or the warehouse: 30 s, 1 min, 2 min, 4 min, capped at 10 min.
RETRY_POLICY = {
    "retries": 4,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}

# Localities report to the monitoring system before 16:00: read it after the cut-off.
SYNC_SCHEDULES = {"monitoring": "30 16 * * *"}
DEFAULT_SYNC_SCHEDULE = "@daily"
HEALTH_SCHEDULE = "*/15 * * * *"

DAILY_PUBLISH_CRON = "0 15 * * *"  # local time
PUBLISH_DEADLINE = timedelta(hours=1)  # the daily publish is done by 16:00 local
# The sources whose new data changes the published metrics at once; the others (the sectoral
# registers) are picked up by the daily publish, so their syncs never republish everything.
PUBLISH_ON_SOURCES = ("monitoring", "dvc_portal_catalogue", "dvc_portal_reporting")
CHECKED_ON_SOURCE = "dvc_portal"


def source_names() -> list[str]:
    """Every source the hub knows, one sync DAG each: read from the source registry alone, so a DAG
    file parses without importing the stages (hub.pipeline is imported inside the tasks)."""
    from hub.sources import all_sources

    return list(all_sources())


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
    """The deadline alert (run by the triggerer): the publish run has not finished in time. Logged
    at ERROR, where the operators' log alerting looks; the run goes on."""
    dag_run = (context or {}).get("dag_run")
    log.error("LienThong publish late: run %s of %s has not finished %s after it was queued "
              "(the daily figures are due by 16:00 Asia/Ho_Chi_Minh)",
              getattr(dag_run, "run_id", dag_run), kwargs.get("dag_id", "lienthong_publish"), PUBLISH_DEADLINE)
