"""Driving a real Airflow through its REST API (/api/v2), for the integration tests."""
from __future__ import annotations

import time

import requests
from sqlalchemy import create_engine, text

from hub.airflow_stack import AirflowStack, airflow_connections

FINISHED = {"success", "failed"}


def sandbox_connections(sandbox) -> dict[str, str]:
    return airflow_connections(sandbox.endpoints)


def get(api: requests.Session, url: str, **params) -> dict:
    """GET with patience: on a busy machine the api-server may take a while to answer a poll."""
    for attempt in range(4):
        try:
            reply = api.get(url, params=params, timeout=60)
            reply.raise_for_status()
            return reply.json()
        except requests.Timeout:
            if attempt == 3:
                raise
            time.sleep(5)
    raise AssertionError("unreachable")


def wait_for_dags(stack: AirflowStack, api: requests.Session, expected: set[str], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    found: set[str] = set()
    while time.monotonic() < deadline:
        found = {d["dag_id"] for d in get(api, f"{stack.url}/api/v2/dags", limit=100)["dags"]}
        if expected <= found:
            return
        time.sleep(2)
    raise TimeoutError(f"DAGs never parsed: {sorted(expected - found)}")


def unpause_all(stack: AirflowStack, api: requests.Session) -> None:
    """Every DAG at the same moment, as a deployment does: one bulk PATCH."""
    reply = api.patch(f"{stack.url}/api/v2/dags", params={"dag_id_pattern": "lienthong_%", "update_mask": "is_paused"},
                      json={"is_paused": False}, timeout=60)
    reply.raise_for_status()


def trigger(stack: AirflowStack, api: requests.Session, dag_id: str) -> str:
    reply = api.post(f"{stack.url}/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None}, timeout=60)
    reply.raise_for_status()
    return reply.json()["dag_run_id"]


def dag_runs(stack: AirflowStack, api: requests.Session) -> list[dict]:
    return get(api, f"{stack.url}/api/v2/dags/~/dagRuns", limit=1000)["dag_runs"]


def wait_until_settled(stack: AirflowStack, api: requests.Session, done, timeout: float, quiet: float = 15) -> list[dict]:
    """Poll until ``done(runs)`` and every run has finished, with no new run for ``quiet`` seconds
    (Asset events create runs of the downstream DAGs a scheduler loop later)."""
    deadline = time.monotonic() + timeout
    settled_since, seen = None, None
    while time.monotonic() < deadline:
        runs = dag_runs(stack, api)
        if done(runs) and all(r["state"] in FINISHED for r in runs):
            ids = {r["dag_run_id"] + r["dag_id"] for r in runs}
            if ids != seen:
                settled_since, seen = time.monotonic(), ids
            elif time.monotonic() - settled_since >= quiet:
                return runs
        else:
            settled_since, seen = None, None
        time.sleep(3)
    raise TimeoutError("runs still going: " + ", ".join(f"{r['dag_id']} {r['state']}" for r in dag_runs(stack, api)
                                                        if r["state"] not in FINISHED))


def task_instances(stack: AirflowStack, api: requests.Session, dag_id: str, run_id: str) -> list[dict]:
    return get(api, f"{stack.url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000)["task_instances"]


def failures(stack: AirflowStack, api: requests.Session, runs: list[dict]) -> list[str]:
    """Each failed run with its failed tasks, for the assertion message."""
    failed = []
    for run in runs:
        if run["state"] != "success":
            tasks = [t["task_id"] for t in task_instances(stack, api, run["dag_id"], run["dag_run_id"])
                     if t["state"] != "success"]
            failed.append(f"{run['dag_id']} {run['dag_run_id']} {run['state']}: {tasks}")
    return failed


def count_rows(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()

