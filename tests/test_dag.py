"""The Airflow DAG imports cleanly and, run with dag.test() in a real Airflow 3, fills the metrics table.

Airflow runs in a subprocess with its own AIRFLOW_HOME and metadata database, so its
configuration never leaks into the other tests.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from hub.warehouse.schema import metric_online_filing_rate

REPO = Path(__file__).resolve().parents[1]
DAG_FILE = REPO / "dags" / "lienthong_sources.py"
pytestmark = pytest.mark.airflow

RUN_DAG = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
from airflow.sdk import DAG
dag = next(v for v in vars(module).values() if isinstance(v, DAG) and v.dag_id == sys.argv[2])
run = dag.test()
states = {}
for ti in run.get_task_instances():
    states.setdefault(ti.task_id, []).append(str(ti.state))
print("RESULT " + json.dumps({"state": str(run.state), "tasks": states}))
"""

IMPORT_DAGS = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print("RESULT " + json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": sorted(bag.dag_ids)}))
"""


def _airflow_env(tmp_path: Path, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LIENTHONG_"))}
    env.update({
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "PYTHONPATH": str(REPO),
    })
    env.update(extra or {})
    return env


def _result(completed: subprocess.CompletedProcess) -> dict:
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert completed.returncode == 0 and lines, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_every_dag_file_imports_without_errors(tmp_path):
    completed = subprocess.run([sys.executable, "-c", IMPORT_DAGS, str(REPO / "dags")], env=_airflow_env(tmp_path),
                               capture_output=True, text=True, timeout=300)
    result = _result(completed)
    assert result["errors"] == {}
    expected = {"lienthong_dvc_portal", "lienthong_monitoring", "lienthong_land_registry", "lienthong_civil_status",
                "lienthong_social_insurance", "lienthong_health"}
    assert expected <= set(result["dags"])


def test_the_dag_runs_every_stage_against_the_sandbox_through_an_airflow_connection(tmp_path, sandbox):
    entry = sandbox.endpoints["dvc_portal"]
    host, port = entry["url"].removeprefix("http://").split(":")
    connection = {"conn_type": "http", "host": host, "port": int(port), "login": entry["username"],
                  "password": entry["password"], "extra": {**entry["options"], "page_size": 500}}
    warehouse = tmp_path / "warehouse.db"
    env = _airflow_env(tmp_path, {
        "AIRFLOW_CONN_DVC_PORTAL_DEFAULT": json.dumps(connection),
        "LIENTHONG_DB_URL": f"sqlite:///{warehouse}",
        "LIENTHONG_VAR_DIR": str(tmp_path / "var"),
        "LIENTHONG_PII_KEY": "dag-test-key",
    })
    migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True,
                             text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    completed = subprocess.run([sys.executable, "-c", RUN_DAG, str(DAG_FILE), "lienthong_dvc_portal"], env=env,
                               capture_output=True,
                               text=True, timeout=600)
    result = _result(completed)
    assert result["state"] == "success", result
    assert result["tasks"]["sync"] == ["success"] * len(entry["options"]["partitions"])
    engine = create_engine(f"sqlite:///{warehouse}")
    with engine.connect() as conn:
        nation = conn.execute(select(metric_online_filing_rate).where(
            metric_online_filing_rate.c.unit_level == "nation")).mappings().one()
    assert nation["dossiers_received"] > 0 and nation["online_rate_pct"] is not None


def test_a_source_declared_in_yaml_alone_gets_its_own_dag(tmp_path):
    (tmp_path / "extra.yaml").write_text(
        "sources:\n  business_registry:\n    kind: sql\n    stream: doanh_nghiep\n"
        "    mapping: social_insurance_participants.yaml\n    table: doanh_nghiep\n"
        "    watermark_column: ngay_cap_nhat\n    key_column: ma_so_thue\n", encoding="utf-8")
    env = _airflow_env(tmp_path, {"LIENTHONG_SOURCES_FILE": str(tmp_path / "extra.yaml")})
    completed = subprocess.run([sys.executable, "-c", IMPORT_DAGS, str(REPO / "dags")], env=env,
                               capture_output=True, text=True, timeout=300)
    result = _result(completed)
    assert result["errors"] == {} and "lienthong_business_registry" in result["dags"]
