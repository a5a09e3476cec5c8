"""One sync DAG per source the hub knows (built in, or declared in connectors/sectoral/sources.yaml):
sync every partition as a mapped task (provinces for the portal), each reading its run's data
interval (the day before the run fires; docs/operations.md), then record the sync, which emits
the source's Asset (hub/orchestration.py); the check and publish DAGs are scheduled on those Assets.
A source added by YAML gets its DAG with no change here. Wiring only; the work is in hub.pipeline.

Systems are reached through the Airflow connections ``<system>_default`` (docs/operations.md); the
warehouse through LIENTHONG_DB_URL.
"""
from __future__ import annotations

from airflow.sdk import task

from hub import orchestration


def source_dag(source: str):
    @orchestration.lienthong_dag(f"lienthong_{source}", schedule=orchestration.sync_schedule(source),
                                 tags=["sync", source], doc_md=__doc__)
    def sync_source():
        @task
        def partitions() -> list[str]:
            from hub import pipeline  # in the task: the DAG file parses without the stages' imports
            return pipeline.source_partitions(source)

        # A scheduled or backfill run reads its data interval's updates; a manual one, from the checkpoint.
        @task(max_active_tis_per_dag=8)
        def sync(partition: str, data_interval_start=None, data_interval_end=None) -> dict:
            from hub import pipeline
            window = orchestration.update_window(data_interval_start, data_interval_end)
            return pipeline.sync_source(source, partitions=[partition], window=window).raise_if_failed().as_dict()

        @task(outlets=[orchestration.synced(source)])
        def record_sync(reports: list[dict], outlet_events=None) -> dict:
            totals = orchestration.sync_totals(list(reports))
            outlet_events[orchestration.synced(source)].extra = totals
            return totals

        found = partitions()
        orchestration.upgrade_warehouse() >> found
        record_sync(sync.expand(partition=found))

    return sync_source()


for _source in orchestration.source_names():
    globals()[f"lienthong_{_source}_dag"] = source_dag(_source)
