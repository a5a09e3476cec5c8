"""Check and publish, scheduled on the sync DAGs' Assets (hub/orchestration.py): the dossier checks
run when the portal's dossiers were synced; the metrics are published when the checked dossiers or
the monitoring reports change, and every day at 15:00 Asia/Ho_Chi_Minh, with a deadline alert when
a publish run is not finished an hour after it was queued. Wiring only; the work is in hub.pipeline.
"""
from __future__ import annotations

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, task
from airflow.sdk.definitions.callback import AsyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

from hub import orchestration
from hub.settings import LOCAL_TZ


@orchestration.lienthong_dag("lienthong_check", schedule=[orchestration.synced(orchestration.CHECKED_ON_SOURCE)],
                             tags=["quality"], doc_md=__doc__)
def lienthong_check():
    @task(outlets=[orchestration.CHECKED_DOSSIERS])
    def check() -> dict:
        from hub import pipeline  # in the task: the DAG file parses without the stages' imports
        outcome = pipeline.check()
        return {"run_id": outcome.run_id, "rows_checked": outcome.rows_checked, "success": outcome.success}

    check()


_publish_on = orchestration.CHECKED_DOSSIERS
for _source in orchestration.PUBLISH_ON_SOURCES:
    _publish_on = _publish_on | orchestration.synced(_source)


@orchestration.lienthong_dag(
    "lienthong_publish",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable(orchestration.DAILY_PUBLISH_CRON, timezone=LOCAL_TZ),
                                 assets=_publish_on),
    deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=orchestration.PUBLISH_DEADLINE,
                           callback=AsyncCallback(orchestration.publish_deadline_missed)),
    tags=["metrics"], doc_md=__doc__)
def lienthong_publish():
    @task(outlets=[orchestration.PUBLISHED_METRICS])
    def publish(dag_run=None) -> dict:
        from hub import pipeline
        rates = pipeline.publish(period_end=orchestration.publish_period_end(dag_run.run_after))
        return {"period_start": str(rates.period_start), "period_end": str(rates.period_end),
                "nation": rates.nation and rates.nation["online_rate_pct"]}

    publish()


lienthong_check_dag = lienthong_check()
lienthong_publish_dag = lienthong_publish()
