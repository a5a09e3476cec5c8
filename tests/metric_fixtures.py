"""A migrated warehouse per test module (SQLite and PostgreSQL), emptied of facts before each test,
and canonical rows written by hand: the metrics tests' small fixtures."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete

from hub.settings import Settings
from hub.warehouse.schema import (commune_report, dossier, dossier_attachment, dossier_metric_input, metadata,
                                  portal_reported_online, procedure, procedure_level, province_report, publish_partition,
                                  quarantine)
from tests import postgres
from tests.conftest import TEST_PII_KEY

LOADED = datetime(2025, 8, 1, tzinfo=timezone.utc)
FACTS = (dossier_attachment, dossier, dossier_metric_input, quarantine, procedure, procedure_level, commune_report,
         province_report, portal_reported_online, publish_partition)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_engine(request, tmp_path_factory):
    from hub.pipeline import upgrade_warehouse, warehouse

    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'warehouse.db'}", None
    else:
        admin = request.getfixturevalue("pg_admin_url")
        url = postgres.create_database(admin)
        drop = (admin, url)
    settings = Settings(var_dir=tmp_path_factory.mktemp("var"), db_url=url, pii_key=TEST_PII_KEY)
    upgrade_warehouse(settings)
    engine = warehouse(settings)
    yield engine
    engine.dispose()
    if drop:
        postgres.drop_database(*drop)


@pytest.fixture
def empty(warehouse_engine):
    """The module's warehouse with no facts and no metric rows (reference units stay)."""
    with warehouse_engine.begin() as conn:
        for table in FACTS + tuple(t for name, t in metadata.tables.items() if name.startswith("metric_")):
            conn.execute(delete(table))
    return warehouse_engine


def a_dossier(n: int, province: str, channel: str, *, day: date = date(2025, 7, 10), status: int = 4,
              commune: str | None = None, procedure_code: str = "P1", loaded_at: datetime = LOADED) -> dict:
    received_at = datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)
    return {"dossier_id": f"D-{n}", "source": "test", "procedure_code": procedure_code, "province_code": province,
            "commune_code": commune, "channel": channel, "status_code": status, "received_at": received_at,
            "received_date": day, "updated_at": received_at, "owner_id_kind": "personal_id", "load_id": "L",
            "loaded_at": loaded_at}


def a_procedure(code: str, field_code: str | None, loaded_at: datetime = LOADED) -> dict:
    return {"procedure_code": code, "source": "test", "name": f"Thủ tục {code}", "field_code": field_code,
            "field_name": None, "updated_at": loaded_at, "load_id": "L", "loaded_at": loaded_at}
