"""Connection-health heartbeat: probe every configured system, then roll the observations up into
metric_connection_health. Runs on its own schedule, independent of the syncs. Wiring only."""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from hub import pipeline
from hub.settings import LOCAL_TZ


@dag(
    dag_id="lienthong_health",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2025, 7, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    tags=["lienthong", "health"],
    doc_md=__doc__,
)
def lienthong_health():
    @task(retries=4, retry_delay=pendulum.duration(seconds=30), retry_exponential_backoff=2.0,
          max_retry_delay=pendulum.duration(minutes=10))
    def upgrade_warehouse() -> None:  # the health DAG may run before any source DAG has migrated
        pipeline.ready_warehouse()

    @task
    def probe() -> list[dict]:
        return [{"system": r.system, "ok": r.ok, "detail": r.detail} for r in pipeline.probe_sources()]

    @task
    def publish_health() -> int:
        return len(pipeline.publish_health())

    upgrade_warehouse() >> probe() >> publish_health()


lienthong_health_dag = lienthong_health()
