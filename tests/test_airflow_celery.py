"""Scale-out: the same DAGs on CeleryExecutor (Redis on 127.0.0.1:6379, PostgreSQL as Airflow's
metadata database on psycopg 3) with two workers; the portal sync's per-province mapped tasks are
shared between them. Without Redis the test skips, or fails when LIENTHONG_REQUIRE_CELERY=1 (CI).
"""
from __future__ import annotations

import os
import uuid

import pytest
import redis

from hub.airflow_stack import CORE, AirflowStack, free_port
from tests import airflow_helpers as af
from tests import postgres
from tests.conftest import TEST_PII_KEY

pytestmark = [pytest.mark.airflow, pytest.mark.airflow_stack, pytest.mark.postgres, pytest.mark.timeout(1200)]
BROKER = "redis://127.0.0.1:6379/0"
REQUIRE_CELERY = os.environ.get("LIENTHONG_REQUIRE_CELERY") == "1"


@pytest.fixture(scope="module")
def broker_url():
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        if REQUIRE_CELERY:
            pytest.fail(f"Redis required (LIENTHONG_REQUIRE_CELERY=1) but not reachable at {BROKER}: {exc}")
        pytest.skip(f"no Redis at {BROKER}: {exc}")
    return BROKER


@pytest.fixture(scope="module")
def databases(pg_admin_url):
    urls = {"metadata": postgres.create_database(pg_admin_url), "warehouse": postgres.create_database(pg_admin_url)}
    yield urls
    for url in urls.values():
        postgres.drop_database(pg_admin_url, url)


def test_the_portal_sync_runs_through_two_celery_workers_sharing_the_provinces(tmp_path, sandbox, broker_url,
                                                                              databases):
    # One task at a time per worker, and a queue of our own on the shared Redis.
    stack = AirflowStack(home=tmp_path / "airflow", port=free_port(), components=CORE, metadata_url=databases["metadata"],
                         celery_workers=2, worker_concurrency=1, broker_url=broker_url,
                         queue=f"lienthong-test-{uuid.uuid4().hex[:8]}",
                         environment={"LIENTHONG_DB_URL": databases["warehouse"],
                                      "LIENTHONG_VAR_DIR": str(tmp_path / "var"),
                                      "LIENTHONG_PII_KEY": TEST_PII_KEY.decode(), **af.sandbox_connections(sandbox)})
    with stack:
        api = stack.api()
        af.wait_for_dags(stack, api, {"lienthong_dvc_portal"})
        reply = api.patch(f"{stack.url}/api/v2/dags/lienthong_dvc_portal", json={"is_paused": False}, timeout=30)
        reply.raise_for_status()
        runs = af.wait_until_settled(stack, api, lambda runs: bool(runs), timeout=720, quiet=3)
        assert af.failures(stack, api, runs) == []
        tasks = af.task_instances(stack, api, "lienthong_dvc_portal", runs[0]["dag_run_id"])
    syncs = [t for t in tasks if t["task_id"] == "sync"]
    assert len(syncs) == len(sandbox.endpoints["dvc_portal"]["options"]["partitions"]) >= 2
    assert {t["hostname"] for t in syncs} == {"worker1", "worker2"}
    assert af.count_rows(databases["warehouse"], "dossier") > 0
