"""The DAG files as Airflow's DagBag sees them: no import errors, no cycles, tags, retries with
exponential backoff on every task, the Asset chain between the DAGs, fast parsing.

Airflow runs in a subprocess with its own AIRFLOW_HOME, so its configuration never leaks into the
other tests. The DAGs running in a real Airflow: tests/test_airflow_local.py and test_airflow_celery.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.airflow

SOURCE_DAGS = {"lienthong_dvc_portal", "lienthong_dvc_portal_catalogue", "lienthong_dvc_portal_reporting",
               "lienthong_monitoring", "lienthong_land_registry", "lienthong_civil_status",
               "lienthong_social_insurance"}

# Parse each DAG file in a fresh process that has imported Airflow already (as the dag-processor's
# parsing processes have): CPU seconds, so a busy machine does not count against the file.
INSPECT_DAGS = r"""
import json, sys, time
from pathlib import Path
import airflow.sdk
from airflow.dag_processing.dagbag import DagBag

def uris(condition):
    if condition is None:
        return
    if hasattr(condition, "objects"):  # AssetAny, AssetAll
        for part in condition.objects:
            yield from uris(part)
    else:
        yield condition.uri

parse_cpu = {}
for path in sorted(Path(sys.argv[1]).glob("*.py")):
    started = time.process_time()
    DagBag(dag_folder=str(path))
    parse_cpu[path.name] = time.process_time() - started
bag = DagBag(dag_folder=sys.argv[1])
dags = {}
for dag_id, dag in bag.dags.items():
    dag.check_cycle()
    timetable = dag.timetable
    dags[dag_id] = {
        "tags": sorted(dag.tags),
        "schedule": getattr(timetable, "summary", None) or str(timetable),
        "consumes": sorted(uris(getattr(timetable, "asset_condition", None))),
        "cron": getattr(getattr(timetable, "timetable", timetable), "expression", None),
        "deadline": len(dag.deadline or []) if hasattr(dag, "deadline") else 0,
        "tasks": {t.task_id: {"retries": t.retries, "backoff": bool(t.retry_exponential_backoff),
                               "outlets": [a.uri for a in t.outlets]} for t in dag.tasks},
    }
print("RESULT " + json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                               "parse_cpu": parse_cpu, "dags": dags}))
"""


def airflow_env(tmp_path: Path, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LIENTHONG_"))}
    env.update({"AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"), "PYTHONPATH": str(REPO)})
    env.update(extra or {})
    return env


def inspect_dags(env: dict) -> dict:
    completed = subprocess.run([sys.executable, "-c", INSPECT_DAGS, str(REPO / "dags")], env=env,
                               capture_output=True, text=True, timeout=300)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert completed.returncode == 0 and lines, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory) -> dict:
    return inspect_dags(airflow_env(tmp_path_factory.mktemp("dagbag")))


def test_every_dag_file_imports_without_errors_or_cycles(dagbag):
    assert dagbag["errors"] == {}
    assert SOURCE_DAGS | {"lienthong_check", "lienthong_publish", "lienthong_health"} == set(dagbag["dags"])


def test_each_dag_file_parses_in_under_a_second(dagbag):
    assert dagbag["parse_cpu"] and all(seconds < 1.0 for seconds in dagbag["parse_cpu"].values()), dagbag["parse_cpu"]


def test_every_dag_is_tagged_and_every_task_retries_with_exponential_backoff(dagbag):
    for dag_id, dag in dagbag["dags"].items():
        assert "lienthong" in dag["tags"] and len(dag["tags"]) > 1, dag_id
        for task_id, task in dag["tasks"].items():
            assert task["retries"] >= 3 and task["backoff"], f"{dag_id}.{task_id}"


def test_each_sync_emits_its_source_asset_and_check_and_publish_are_scheduled_on_them(dagbag):
    dags = dagbag["dags"]
    for dag_id in SOURCE_DAGS:
        source = dag_id.removeprefix("lienthong_")
        assert dags[dag_id]["tasks"]["record_sync"]["outlets"] == [f"lienthong://warehouse/{source}"]
    assert dags["lienthong_check"]["consumes"] == ["lienthong://warehouse/dvc_portal"]
    assert dags["lienthong_check"]["tasks"]["check"]["outlets"] == ["lienthong://quality/dossiers"]
    publish = dags["lienthong_publish"]
    assert "lienthong://quality/dossiers" in publish["consumes"] and "lienthong://warehouse/monitoring" in publish["consumes"]
    # a sectoral sync neither re-checks the dossiers nor republishes: the daily run picks it up
    for sectoral in ("land_registry", "civil_status", "social_insurance"):
        assert f"lienthong://warehouse/{sectoral}" not in publish["consumes"] + dags["lienthong_check"]["consumes"]
    assert publish["cron"] == "0 15 * * *" and publish["deadline"] == 1
    assert dags["lienthong_health"]["cron"] == "*/15 * * * *"


def test_a_source_declared_in_yaml_alone_gets_its_own_dag(tmp_path):
    (tmp_path / "extra.yaml").write_text(
        "sources:\n  business_registry:\n    kind: sql\n    stream: doanh_nghiep\n"
        "    mapping: social_insurance_participants.yaml\n    table: doanh_nghiep\n"
        "    watermark_column: ngay_cap_nhat\n    key_column: ma_so_thue\n", encoding="utf-8")
    result = inspect_dags(airflow_env(tmp_path, {"LIENTHONG_SOURCES_FILE": str(tmp_path / "extra.yaml")}))
    assert result["errors"] == {} and "lienthong_business_registry" in result["dags"]


def test_the_publish_deadline_callback_appends_the_late_run_to_the_alerts_file(tmp_path, monkeypatch):
    """What the triggerer runs when a publish run misses its deadline, with the context the
    scheduler sends (airflow/models/deadline.py: the run as the REST API shows it, and the deadline)."""
    import asyncio

    from hub import orchestration

    monkeypatch.setenv("LIENTHONG_VAR_DIR", str(tmp_path / "var"))
    context = {"dag_run": {"dag_run_id": "scheduled__2025-08-18T08:00:00+00:00", "dag_id": "lienthong_publish",
                           "queued_at": "2025-08-18T08:00:01Z"},
               "deadline": {"id": "0198", "deadline_time": "2025-08-18T09:00:01Z"}}
    asyncio.run(orchestration.publish_deadline_missed(context=context))
    asyncio.run(orchestration.publish_deadline_missed(context=context))

    lines = (tmp_path / "var" / orchestration.ALERTS_FILE).read_text(encoding="utf-8").splitlines()
    alerts = [json.loads(line) for line in lines]
    assert len(alerts) == 2 and alerts[0]["alert"] == "publish_late"
    assert alerts[0]["run_id"] == "scheduled__2025-08-18T08:00:00+00:00"
    assert alerts[0]["deadline"] == "2025-08-18T09:00:01Z"
