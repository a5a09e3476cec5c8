"""Fixtures start real things: the sandbox servers, SQLite files, PostgreSQL databases."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.config import Secret, SystemConfig
from hub.settings import Settings
from sandbox.stack import SandboxStack
from tests import postgres

REQUIRE_PG = os.environ.get("LIENTHONG_REQUIRE_PG") == "1"
TEST_PII_KEY = b"test-pii-key-not-a-secret-0123456789"


@pytest.fixture(scope="session")
def sandbox():
    with SandboxStack("demo") as stack:
        yield stack


@pytest.fixture
def portal_config(sandbox) -> SystemConfig:
    entry = sandbox.endpoints["dvc_portal"]
    return SystemConfig("dvc_portal", entry["url"], entry["username"], Secret(entry["password"]),
                        dict(entry["options"]))


@pytest.fixture(scope="session")
def pg_admin_url():
    url, cluster, reason = postgres.find_server()
    if url is None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (LIENTHONG_REQUIRE_PG=1) but not found: {reason}")
        pytest.skip(reason)
    yield url
    if cluster is not None:
        cluster.stop()


@pytest.fixture
def pg_url(pg_admin_url):
    url = postgres.create_database(pg_admin_url)
    yield url
    postgres.drop_database(pg_admin_url, url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The same test on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(var_dir=tmp_path / "var", db_url=db_url, pii_key=TEST_PII_KEY)


@pytest.fixture
def engine(settings):
    from hub.pipeline import upgrade_warehouse, warehouse

    upgrade_warehouse(settings)
    engine = warehouse(settings)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_circuit_breakers(monkeypatch):
    """Circuit breakers live per process and system; each test starts with closed circuits."""
    from connectors import base

    monkeypatch.setattr(base, "_BREAKERS", {})


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_engine(request, tmp_path_factory):
    """A migrated warehouse shared by one test module (its tests read one seeded fixture), on the
    embedded default and on PostgreSQL: migrating once per module, not per test, keeps CI short."""
    from hub.pipeline import upgrade_warehouse, warehouse

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.db'}"
    else:
        admin_url = request.getfixturevalue("pg_admin_url")
        url = postgres.create_database(admin_url)
    settings = Settings(var_dir=tmp_path_factory.mktemp("var"), db_url=url, pii_key=TEST_PII_KEY)
    upgrade_warehouse(settings)
    engine = warehouse(settings)
    yield engine
    engine.dispose()
    if request.param == "postgres":
        postgres.drop_database(admin_url, url)

@pytest.fixture(scope="session")
def demo_warehouse(sandbox, tmp_path_factory) -> Settings:
    """SQLite with the demo scenario's dossiers and two readiness report days, published once per
    session for the dashboard's tests (tests/dashboard_helpers.py); read it, never write to it."""
    from tests.dashboard_helpers import build_demo_warehouse

    var = tmp_path_factory.mktemp("demo-warehouse")
    settings = Settings(var_dir=var, db_url=f"sqlite:///{var / 'warehouse.db'}", pii_key=TEST_PII_KEY)
    build_demo_warehouse(sandbox, settings)
    return settings
