"""``lienthong doctor`` checks an installation as it stands: green against the sandbox, red naming
the system (and what to do) when the portal does not answer or refuses the password; secrets never
shown; exit 0 only when every check is ok."""
from __future__ import annotations

import json

import pytest

from tests.postgres import _free_port
from tests.test_cli_errors import SECRET, _systems, lienthong, user  # noqa: F401  (fixture)


@pytest.fixture
def upgraded(user):  # noqa: F811
    assert lienthong("db", "upgrade").exit_code == 0
    return user


def doctor_json(**env) -> tuple[int, list[dict]]:
    result = lienthong("doctor", "--json", "--no-airflow", **env)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def by_component(checks: list[dict], component: str) -> list[dict]:
    return [c for c in checks if c["component"] == component]


def test_doctor_is_green_against_the_sandbox_with_origins_latencies_and_no_secret(upgraded, sandbox):
    env = _systems(sandbox)
    code, checks = doctor_json(**env)
    assert code == 0, [c for c in checks if not c["ok"]]
    assert all(c["status"] == "ok" for c in checks), checks
    portal = by_component(checks, "dvc_portal")
    assert portal[0]["origin"] == "environment LIENTHONG_DVC_PORTAL_URL"
    assert "user lienthong" in portal[0]["detail"] and "password ***" in portal[0]["detail"]
    assert portal[1]["check"] == "reachable and authenticated" and portal[1]["latency_ms"] > 0
    assert {c["component"] for c in checks} >= {"settings", "warehouse", "pii key", "dvc_portal", "monitoring",
                                                "land_registry", "civil_status", "social_insurance", "population_db"}
    assert by_component(checks, "warehouse")[1]["detail"].startswith("revision ")
    text = lienthong("doctor", "--no-airflow", **env).stdout  # the table for people
    assert "dvc_portal" in text and "ok" in text and "fail" not in text
    for secret in (entry.get("password") for entry in sandbox.endpoints.values()):
        assert not secret or secret not in text + json.dumps(checks)


def test_doctor_is_red_naming_the_portal_when_it_does_not_answer(upgraded, sandbox):
    env = {**_systems(sandbox), "LIENTHONG_DVC_PORTAL_URL": f"http://127.0.0.1:{_free_port()}"}  # nothing listens
    code, checks = doctor_json(**env)
    assert code == 5
    failed = [c for c in checks if not c["ok"]]
    assert [c["component"] for c in failed] == ["dvc_portal"]
    assert "connection" in failed[0]["detail"] or "reset" in failed[0]["detail"]
    assert "is dvc_portal up" in failed[0]["hint"]


def test_doctor_is_red_naming_the_portal_when_it_refuses_the_password(upgraded, sandbox):
    env = {**_systems(sandbox), "LIENTHONG_DVC_PORTAL_PASSWORD": SECRET}
    result = lienthong("doctor", "--json", "--no-airflow", **env)
    assert result.exit_code == 5
    failed = [c for c in json.loads(result.stdout) if not c["ok"]]
    assert [c["component"] for c in failed] == ["dvc_portal"]
    assert "login" in failed[0]["detail"] and "credentials" in failed[0]["hint"]
    assert SECRET not in result.output


def test_doctor_on_a_warehouse_left_behind_with_auto_migrate_off_names_db_upgrade(user, sandbox):  # noqa: F811
    code, checks = doctor_json(LIENTHONG_AUTO_MIGRATE="false", **_systems(sandbox))
    assert code == 4
    schema = by_component(checks, "warehouse")[1]
    assert schema["status"] == "fail" and schema["hint"] == "run `lienthong db upgrade`"


def test_doctor_with_no_system_configured_says_how_to_configure_one(upgraded):
    code, checks = doctor_json()
    assert code == 3
    assert by_component(checks, "dvc_portal")[0]["status"] == "skip"
    assert "lienthong sandbox up" in by_component(checks, "systems")[0]["hint"]


def test_doctor_rejects_a_short_pii_key(upgraded):
    code, checks = doctor_json(LIENTHONG_PII_KEY="short")
    key = by_component(checks, "pii key")[0]
    assert key["status"] == "fail" and "at least 32" in key["hint"] and "short" not in key["detail"]


def test_doctor_lists_airflow_connections_with_the_password_masked(upgraded, tmp_path):
    pytest.importorskip("airflow")
    result = lienthong("doctor", "--json", AIRFLOW_HOME=str(tmp_path / "airflow"),
                       AIRFLOW_CONN_DVC_PORTAL_DEFAULT=f"https://lienthong:{SECRET}@portal.example:8443")
    rows = {c["check"]: c for c in json.loads(result.stdout) if c["component"] == "airflow"}
    assert rows["dvc_portal_default"]["status"] == "ok"
    assert rows["dvc_portal_default"]["detail"] == "https://portal.example:8443, login lienthong, password ***"
    assert rows["monitoring_default"]["status"] == "skip"
    assert SECRET not in result.output


@pytest.mark.postgres
def test_doctor_checks_a_postgres_warehouse_and_hides_its_password(user, pg_url):  # noqa: F811
    assert lienthong("db", "upgrade", LIENTHONG_DB_URL=pg_url).exit_code == 0
    code, checks = doctor_json(LIENTHONG_DB_URL=pg_url)
    reachable, schema = by_component(checks, "warehouse")
    assert reachable["status"] == schema["status"] == "ok"
    assert reachable["origin"] == "environment LIENTHONG_DB_URL" and reachable["detail"].startswith("postgresql")
