"""Daily sync of the National Public Service Portal: one mapped sync task per province, then
quality checks and the published metrics. Wiring only; the work is in hub.pipeline.

The portal is reached through the Airflow connection ``dvc_portal_default``; the warehouse
through LIENTHONG_DB_URL.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from hub import pipeline

SOURCE = "dvc_portal"


@dag(
    dag_id="lienthong_dvc_portal",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 7, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    tags=["lienthong", SOURCE],
    doc_md=__doc__,
)
def lienthong_dvc_portal():
    @task
    def upgrade_warehouse() -> None:
        pipeline.upgrade_warehouse()

    @task
    def partitions() -> list[str]:
        return pipeline.source_partitions(SOURCE)

    @task(retries=2, retry_delay=pendulum.duration(minutes=5), max_active_tis_per_dag=8)
    def sync(partition: str) -> dict:
        return pipeline.sync_source(SOURCE, partitions=[partition]).raise_if_failed().as_dict()

    @task
    def check() -> dict:
        outcome = pipeline.check()
        return {"run_id": outcome.run_id, "rows_checked": outcome.rows_checked, "success": outcome.success}

    @task
    def publish() -> dict:
        rates = pipeline.publish()
        return {"period_start": str(rates.period_start), "period_end": str(rates.period_end),
                "nation": rates.nation and rates.nation["online_rate_pct"]}

    provinces = partitions()
    upgrade_warehouse() >> provinces
    sync.expand(partition=provinces) >> check() >> publish()


lienthong_dvc_portal_dag = lienthong_dvc_portal()
