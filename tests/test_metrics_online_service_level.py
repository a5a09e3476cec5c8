"""Indicator 3.1 (procedures provided online, full-process and partial) per province and nation per
report date: from a hand-written portal_service_level, every expected share worked out in the
comments; and the portal's counts synced from the sandbox into that table."""
from __future__ import annotations

import json
import urllib.request
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, insert, select, update

from connectors.config import Secret, SystemConfig
from hub import pipeline
from hub.metrics.online_service_level import publish_online_service_level
from hub.settings import Settings
from hub.warehouse.schema import admin_province, metric_online_service_level, portal_service_level
from tests.conftest import TEST_PII_KEY

NOW = datetime(2025, 8, 24, 9, tzinfo=timezone.utc)
DAY1, DAY2 = date(2025, 8, 24), date(2025, 8, 25)
JULY = date(2025, 7, 1)
LINEAGE = {"load_id": "L", "loaded_at": NOW}
DIEN_BIEN, CAO_BANG, HA_NOI = "11", "04", "01"


def _counts(unit, day, procedures, partial, full) -> dict:
    return {"unit_code": unit, "report_date": day, "period_start": JULY, "as_of": NOW, "procedures": procedures,
            "procedures_partial": partial, "procedures_full": full, "updated_at": NOW, **LINEAGE}


@pytest.fixture(scope="module")
def published(module_engine):
    with module_engine.begin() as conn:
        conn.execute(insert(portal_service_level), [
            _counts("VN", DAY1, 200, 50, 120),  # full 120/200 = 60 %, partial 50/200 = 25 %, online 170/200 = 85 %
            _counts(DIEN_BIEN, DAY1, 150, 40, 75),  # full 50 %, partial 26.67 %, online 115/150 = 76.67 %
            _counts(CAO_BANG, DAY1, 0, 0, 0),  # nothing in scope: no share
            _counts("99", DAY1, 10, 1, 2),  # a code the units do not know: full 20 %, partial 10 %, online 30 %
            _counts("VN", DAY2, None, None, None),  # the portal answered null for the nation
        ])
    first = publish_online_service_level(module_engine)
    return module_engine, first


def _rows(engine, day) -> dict:
    m = metric_online_service_level.c
    with engine.connect() as conn:
        return {(r.unit_level, r.unit_code): r for r in conn.execute(
            select(metric_online_service_level).where(m.report_date == day))}


def _shares(row) -> tuple:
    return (row.procedures, row.procedures_partial, row.procedures_full, row.procedures_online,
            row.full_online_pct, row.partial_online_pct, row.online_pct)


def test_the_nation_and_each_province_get_the_full_process_and_partial_shares_of_their_procedures(published):
    rows = _rows(published[0], DAY1)
    assert _shares(rows[("nation", "VN")]) == (200, 50, 120, 170, 60.0, 25.0, 85.0)
    assert rows[("nation", "VN")].unit_name == "Toàn quốc"
    assert _shares(rows[("province", DIEN_BIEN)]) == (150, 40, 75, 115, 50.0, 26.67, 76.67)
    assert rows[("province", DIEN_BIEN)].period_start == JULY and rows[("province", DIEN_BIEN)].reported


def test_a_unit_with_no_procedures_in_scope_has_no_share_rather_than_zero(published):
    row = _rows(published[0], DAY1)[("province", CAO_BANG)]
    assert row.reported and _shares(row) == (0, 0, 0, 0, None, None, None)


def test_every_province_has_a_row_on_a_report_date_those_not_reported_with_no_counts(published):
    engine = published[0]
    rows = _rows(engine, DAY1)
    with engine.connect() as conn:
        provinces = conn.scalar(select(func.count()).select_from(admin_province))
    assert sum(level == "province" and row.unit_known for (level, _), row in rows.items()) == provinces == 34
    ha_noi = rows[("province", HA_NOI)]
    assert not ha_noi.reported and ha_noi.unit_name == "Thành phố Hà Nội"
    assert _shares(ha_noi) == (None,) * 7
    nation_unanswered = _rows(engine, DAY2)[("nation", "VN")]
    assert nation_unanswered.reported and _shares(nation_unanswered) == (None,) * 7
    assert len(_rows(engine, DAY2)) == 1 + 34


def test_a_code_the_units_do_not_know_is_published_in_its_own_row(published):
    row = _rows(published[0], DAY1)[("province", "99")]
    assert not row.unit_known and row.unit_name is None
    assert _shares(row) == (10, 1, 2, 3, 20.0, 10.0, 30.0)


def test_republishing_recomputes_only_the_report_dates_whose_counts_changed(published):
    engine, first = published
    assert first == [DAY1, DAY2]
    assert publish_online_service_level(engine) == []
    with engine.begin() as conn:
        conn.execute(update(portal_service_level)
                     .where(portal_service_level.c.unit_code == "VN", portal_service_level.c.report_date == DAY2)
                     .values(procedures=200, procedures_partial=40, procedures_full=130,
                             loaded_at=datetime(2025, 8, 25, 9, tzinfo=timezone.utc)))
    assert publish_online_service_level(engine) == [DAY2]
    assert _shares(_rows(engine, DAY2)[("nation", "VN")]) == (200, 40, 130, 170, 65.0, 20.0, 85.0)
    assert _shares(_rows(engine, DAY1)[("nation", "VN")]) == (200, 50, 120, 170, 60.0, 25.0, 85.0)


def _portal_tree(url: str, body: dict) -> dict:
    request = urllib.request.Request(f"{url}/api/v1/reporting/evaluation/provide-online-tree",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.load(reply)


def test_a_sync_of_the_reporting_source_stores_the_portals_procedure_counts_for_the_province_and_nation(
        sandbox, sqlite_url, tmp_path):
    entry = sandbox.endpoints["dvc_portal"]
    options = {**entry["options"], "partitions": ["H18"]}
    system = SystemConfig("dvc_portal", entry["url"], entry["username"], Secret(entry["password"]), options)
    settings = Settings(var_dir=tmp_path / "var", db_url=sqlite_url, pii_key=TEST_PII_KEY)
    report = pipeline.sync_source("dvc_portal_reporting", settings, system=system)
    assert not report.failed_partitions and report.quarantined == 0
    engine = pipeline.warehouse(settings)
    with engine.connect() as conn:
        stored = {r.unit_code: r for r in conn.execute(select(portal_service_level))}
    assert set(stored) == {"VN", DIEN_BIEN}
    tree = _portal_tree(entry["url"], {"fromDate": options.get("reporting_from", "2025-07-01"),
                                       "toDate": stored["VN"].report_date.isoformat()})["data"]
    portal = {"VN": tree["parent"], DIEN_BIEN: next(c for c in tree["children"] if c["code"] == "H18")}
    for unit, node in portal.items():
        assert (stored[unit].procedures, stored[unit].procedures_partial, stored[unit].procedures_full) == \
            (node["authorityCount"], node["partialCount"], node["fullCount"])
    assert stored["VN"].procedures_full > 0 and stored["VN"].period_start == date(2025, 7, 1)

    publish_online_service_level(engine)
    rows = _rows(engine, stored["VN"].report_date)
    assert rows[("province", DIEN_BIEN)].reported and not rows[("province", HA_NOI)].reported
    assert rows[("nation", "VN")].full_online_pct == round(
        100 * portal["VN"]["fullCount"] / portal["VN"]["authorityCount"], 2)
