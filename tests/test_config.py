"""Where connectors find their systems, and that credentials never show."""
from __future__ import annotations

import json

import pytest

from connectors import config
from connectors.config import Secret, SystemNotConfigured, resolve_system
from hub.settings import Settings


@pytest.fixture
def local(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith(("LIENTHONG_", "AIRFLOW_CTX")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return Settings(var_dir=tmp_path / "var", db_url="sqlite://", pii_key=b"k")


def test_environment_variables_configure_a_system(local, monkeypatch):
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_URL", "https://portal.example")
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_PASSWORD", "s3cret-value")
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_OPTIONS", json.dumps({"dstcode": "X"}))
    found = resolve_system("dvc_portal", local)
    assert found.base_url == "https://portal.example" and found.options == {"dstcode": "X"}
    assert found.password.reveal() == "s3cret-value"
    assert "s3cret-value" not in repr(found) and "s3cret-value" not in str(found.password)


def test_the_config_file_is_read_when_the_environment_is_silent(local, tmp_path):
    (tmp_path / "lienthong.toml").write_text('dvc_portal_url = "https://from-file.example"\n')
    assert resolve_system("dvc_portal", local).base_url == "https://from-file.example"


def test_a_running_sandbox_is_found_through_its_endpoints_file(local):
    local.sandbox_dir.mkdir(parents=True)
    (local.sandbox_dir / "endpoints.json").write_text(json.dumps({"dvc_portal": {"url": "http://127.0.0.1:9"}}))
    assert resolve_system("dvc_portal", local).base_url == "http://127.0.0.1:9"


def test_an_unconfigured_system_says_how_to_configure_it(local):
    with pytest.raises(SystemNotConfigured, match="LIENTHONG_DVC_PORTAL_URL"):
        resolve_system("dvc_portal", local)


def test_airflow_connections_are_only_consulted_inside_an_airflow_task(local, monkeypatch):
    calls = []
    monkeypatch.setattr(config, "_from_airflow", lambda system: calls.append(system) or None)
    monkeypatch.setenv("LIENTHONG_DVC_PORTAL_URL", "https://portal.example")
    resolve_system("dvc_portal", local)
    assert calls == []
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "lienthong_dvc_portal")
    resolve_system("dvc_portal", local)
    assert calls == ["dvc_portal"]


def test_secret_masks_itself():
    assert repr(Secret("x")) == "Secret('***')" and not Secret(None)


@pytest.mark.parametrize("system", [
    config.SystemConfig("dvc_portal", "http://127.0.0.1:8123", "hub", Secret("p@ss:w/rd"), {"partitions": ["H01"]}),
    config.SystemConfig("civil_status", "file:///srv/drop dir", options={"pattern": "hotich_*.csv"}),
    config.SystemConfig("social_insurance", "postgresql://bhxh@db.example:5432/bhxh"),
], ids=lambda system: system.name)
def test_a_system_written_as_an_airflow_connection_resolves_to_the_same_system_inside_a_task(local, monkeypatch,
                                                                                              system):
    name, value = config.airflow_connection(system)
    assert name == f"AIRFLOW_CONN_{system.name.upper()}_DEFAULT"
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", f"lienthong_{system.name}")
    found = resolve_system(system.name, local)
    assert (found.base_url, found.username, found.password.reveal(), found.options) == \
           (system.base_url, system.username, system.password.reveal(), system.options)


def test_an_ordinary_airflow_http_connection_is_read_as_the_systems_url(local, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_MONITORING_DEFAULT", json.dumps(
        {"conn_type": "https", "host": "giamsat.example", "port": 8443, "schema": "api", "extra": {"timeout": 5}}))
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "lienthong_monitoring")
    found = resolve_system("monitoring", local)
    assert found.base_url == "https://giamsat.example:8443/api" and found.options == {"timeout": 5}
