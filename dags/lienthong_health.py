"""Connection-health heartbeat every 15 minutes: probe every configured system, then roll the
observations up into metric_connection_health. Independent of the syncs; on a fresh deployment it
may run first, so it readies the warehouse like every DAG. Wiring only."""
from __future__ import annotations

from airflow.sdk import task

from hub import orchestration


@orchestration.lienthong_dag("lienthong_health", schedule=orchestration.HEALTH_SCHEDULE, tags=["health"],
                             doc_md=__doc__)
def lienthong_health():
    @task
    def probe() -> list[dict]:
        from hub import pipeline  # in the task: the DAG file parses without the stages' imports
        return [{"system": r.system, "ok": r.ok, "detail": r.detail} for r in pipeline.probe_sources()]

    @task
    def publish_health() -> int:
        from hub import pipeline
        return len(pipeline.publish_health())

    orchestration.upgrade_warehouse() >> probe() >> publish_health()


lienthong_health_dag = lienthong_health()
