"""One DAG per source the hub knows (built in, or declared in connectors/sectoral/sources.yaml):
sync every partition as a mapped task (provinces for the portal), then check and publish.
A source added by YAML gets its DAG with no change here. Wiring only; the work is in hub.pipeline.

Systems are reached through Airflow connections ``<source>_default``; the warehouse through
LIENTHONG_DB_URL.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from hub import pipeline
from hub.settings import LOCAL_TZ

START = pendulum.datetime(2025, 7, 1, tz=LOCAL_TZ)
# Localities report to the monitoring system before 16:00: read it after the cut-off.
SCHEDULES = {"monitoring": "30 16 * * *"}


def source_dag(source: str):
    @dag(dag_id=f"lienthong_{source}", schedule=SCHEDULES.get(source, "@daily"), start_date=START, catchup=False,
         max_active_runs=1, tags=["lienthong", source], doc_md=__doc__)
    def sync_check_publish():
        # Every DAG starts here; the first to run migrates under a database lock, the others wait
        # for it and find the warehouse current (LIENTHONG_AUTO_MIGRATE=false: fails, naming the command).
        @task(retries=4, retry_delay=pendulum.duration(seconds=30), retry_exponential_backoff=2.0,
              max_retry_delay=pendulum.duration(minutes=10))
        def upgrade_warehouse() -> None:
            pipeline.ready_warehouse()

        @task
        def partitions() -> list[str]:
            return pipeline.source_partitions(source)

        @task(retries=2, retry_delay=pendulum.duration(minutes=5), max_active_tis_per_dag=8)
        def sync(partition: str) -> dict:
            return pipeline.sync_source(source, partitions=[partition]).raise_if_failed().as_dict()

        @task
        def check() -> dict:
            outcome = pipeline.check()
            return {"run_id": outcome.run_id, "rows_checked": outcome.rows_checked, "success": outcome.success}

        @task
        def publish() -> dict:
            rates = pipeline.publish()
            return {"period_start": str(rates.period_start), "period_end": str(rates.period_end),
                    "nation": rates.nation and rates.nation["online_rate_pct"]}

        found = partitions()
        upgrade_warehouse() >> found
        sync.expand(partition=found) >> check() >> publish()

    return sync_check_publish()


for _source in pipeline.source_names():
    globals()[f"lienthong_{_source}_dag"] = source_dag(_source)
