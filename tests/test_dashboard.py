"""The dashboard's server side over a demo warehouse, on SQLite and PostgreSQL: the metrics API
(JSON, CSV, OpenAPI, filters, read-only), Prometheus, the Excel export, empty and absent tables,
escaping, and the static report's map. The browser tests are in test_dashboard_browser.py."""
from __future__ import annotations

import csv
import io
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from openpyxl import load_workbook
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from hub import cli, pipeline
from hub.dashboard.app import create_app, read_only_engine
from hub.dashboard.queries import METRIC_TABLES
from hub.reports.html import write_report
from hub.warehouse.db import create_warehouse_engine
from hub.warehouse.roles import grant_dashboard_role
from hub.settings import Settings
from hub.warehouse.schema import metadata, metric_online_filing_rate, quality_result, quality_run
from tests import postgres
from tests.conftest import TEST_PII_KEY
from tests.dashboard_helpers import build_demo_warehouse


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path_factory):
    """The demo warehouse, on SQLite (the session's) and on PostgreSQL (built for this module)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("demo_warehouse").db_url
        return
    admin = request.getfixturevalue("pg_admin_url")
    url = postgres.create_database(admin)
    settings = Settings(var_dir=tmp_path_factory.mktemp("pg-demo"), db_url=url, pii_key=TEST_PII_KEY)
    build_demo_warehouse(request.getfixturevalue("sandbox"), settings)
    yield url
    pipeline.warehouse(settings).dispose()
    postgres.drop_database(admin, url)


@pytest.fixture(scope="module")
def client(warehouse_url):
    engine = read_only_engine(warehouse_url)
    with TestClient(create_app(engine)) as client:
        yield client
    engine.dispose()


def _csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.text)))


def test_every_metric_table_is_served_as_json_and_csv_and_documented_by_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 404  # FastAPI's page would load Swagger UI from a CDN
    listed = {t["name"] for t in client.get("/api/metrics").json()["tables"]}
    assert listed == set(METRIC_TABLES) and len(METRIC_TABLES) >= 5
    for name in METRIC_TABLES:
        assert f"/api/metrics/{name}" in paths and f"/api/metrics/{name}.csv" in paths
        rows = client.get(f"/api/metrics/{name}", params={"limit": 5}).json()["rows"]
        assert rows, f"{name} is published by the demo pipeline"
        as_csv = client.get(f"/api/metrics/{name}.csv", params={"limit": 5})
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert list(_csv_rows(as_csv)[0]) == [c.name for c in metadata.tables[name].c]


def test_the_api_filters_by_unit_level_and_date_range(client):
    nation = client.get("/api/metrics/metric_online_filing_rate", params={"level": "nation"}).json()["rows"]
    assert nation and {(r["unit_level"], r["unit_code"]) for r in nation} == {("nation", "VN")}
    cao_bang = client.get("/api/metrics/metric_readiness_province",
                          params={"unit": "04", "from": "2025-08-10", "to": "2025-08-10"}).json()["rows"]
    assert [(r["report_date"], r["communes_green"], r["communes"], r["green_pct"]) for r in cao_bang] == \
           [("2025-08-10", 3, 56, 5.36)]  # the seeds' figure (docs/metrics.md)
    both_days = _csv_rows(client.get("/api/metrics/metric_readiness_province.csv", params={"unit": "04"}))
    assert [r["report_date"] for r in both_days] == ["2025-08-10", "2025-08-24"]
    in_july = client.get("/api/metrics/metric_online_filing_rate", params={"to": "2025-07-31"}).json()["rows"]
    assert in_july == []  # the demo's one period runs to 19 Aug: not within July
    params = client.get("/openapi.json").json()["paths"]["/api/metrics/metric_connection_health"]["get"]["parameters"]
    assert {p["name"] for p in params} == {"unit", "from", "to", "limit", "offset"}  # no unit_level column
    assert client.get("/api/metrics/metric_online_filing_rate", params={"from": "not-a-day"}).status_code == 422


def test_the_dashboard_is_read_only(client, warehouse_url):
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/metrics/metric_online_filing_rate").status_code == 405
    engine = read_only_engine(warehouse_url)
    try:
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("DELETE FROM metric_online_filing_rate"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("warehouse_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_under_the_read_only_dashboard_role_the_screen_shows_the_metric_tables_and_empty_states(
        warehouse_url, pg_admin_url):
    role = f"lienthong_dashboard_{uuid.uuid4().hex[:8]}"
    owner = create_warehouse_engine(warehouse_url)
    grant_dashboard_role(owner, role)
    as_role = make_url(warehouse_url).set(username=role, password=None).render_as_string(hide_password=False)
    engine = read_only_engine(as_role)
    try:
        with TestClient(create_app(engine)) as client:
            page = client.get("/", params={"province": "04", "date": "2025-08-10"})
            assert page.status_code == 200
            assert "Tỉnh Cao Bằng" in page.text and 'id="table-ranking"' in page.text  # metric tables: readable
            assert "commune_report" in page.text  # the interim commune read: not granted, said so
            assert client.get("/api/metrics/metric_readiness_nation").json()["rows"]
            assert client.get("/metrics").status_code == 200
    finally:
        engine.dispose()
        with owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
        owner.dispose()
        admin = create_warehouse_engine(pg_admin_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_prometheus_exposes_connection_health_last_syncs_and_quarantine(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    last_sync = {dict(k)["source"]: v for k, v in samples["lienthong_last_successful_sync_timestamp_seconds"].items()}
    assert {"dvc_portal", "monitoring"} <= set(last_sync)
    assert abs(last_sync["dvc_portal"] - datetime.now(timezone.utc).timestamp()) < 3600
    quarantined = {dict(k)["source"]: v for k, v in samples["lienthong_quarantined_records"].items()}
    assert quarantined["dvc_portal"] > 0  # the demo scenario serves records the mappings refuse
    success = {dict(k)["system"]: v for k, v in samples["lienthong_connection_success_ratio"].items()}
    assert 0 < success["dvc_portal"] <= 1
    statuses = [dict(k)["status"] for k, v in samples["lienthong_connection_status"].items()
                if dict(k)["system"] == "dvc_portal" and v == 1]
    assert len(statuses) == 1


def test_the_date_range_picks_the_report_days_and_periods_shown(client):
    late = client.get("/", params={"from": "2025-08-20"}).text
    assert '<option value="2025-08-24" selected>' in late and 'value="2025-08-10"' not in late
    assert 'id="table-ranking"' not in late  # the demo's period (1 Jul – 19 Aug) is not within the range
    assert 'id="section-ranking"' in late and 'data-state="empty"' in late
    early = client.get("/", params={"to": "2025-08-19", "lang": "en"}).text
    assert '<option value="2025-08-10" selected>' in early and 'value="2025-08-24"' not in early
    assert 'id="table-ranking"' in early and "As of 2025-08-19" in early


def test_the_excel_export_has_one_sheet_per_table_with_vietnamese_headers_and_number_formats(client):
    response = client.get("/export.xlsx", params={"province": "04", "date": "2025-08-10"})
    book = load_workbook(io.BytesIO(response.content))
    assert {"Xếp hạng trực tuyến", "Các xã của tỉnh", "Tình trạng kết nối", "Bản đồ sẵn sàng"} <= set(book.sheetnames)
    communes = list(book["Các xã của tỉnh"].values)
    assert communes[0][:2] == ("Mã", "Xã, phường, đặc khu") and len(communes) == 1 + 56
    assert sum(row[-1] == "Có" for row in communes[1:]) == 3  # Cao Bằng: 3 green communes on 10 Aug
    ranking = book["Xếp hạng trực tuyến"]
    header = [c.value for c in ranking[1]]
    rates = [row[header.index("Tỷ lệ trực tuyến (%)")] for row in ranking.iter_rows(min_row=2)]
    assert [c.number_format for c in rates][:1] == ["0.00"]
    values = [c.value for c in rates if c.value is not None]
    assert values == sorted(values) and len(values) >= 4  # lowest online rate first (4 provinces file in the demo)


@pytest.fixture(scope="module")
def bare_warehouse(tmp_path_factory) -> Path:
    """An up-to-date SQLite warehouse with nothing synced yet; tests work on copies of it."""
    var = tmp_path_factory.mktemp("bare")
    settings = Settings(var_dir=var, db_url=f"sqlite:///{var / 'bare.db'}", pii_key=TEST_PII_KEY)
    pipeline.upgrade_warehouse(settings)
    pipeline.warehouse(settings).dispose()
    return var / "bare.db"


def _copy(bare: Path, tmp_path: Path) -> str:
    shutil.copy(bare, tmp_path / "warehouse.db")
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


def test_empty_and_absent_tables_read_as_clear_empty_states(bare_warehouse, tmp_path):
    url = _copy(bare_warehouse, tmp_path)
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE metric_connection_health"))  # as if an older warehouse
    engine.dispose()
    with TestClient(create_app(read_only_engine(url))) as client:
        page = client.get("/", params={"province": "04"})
        assert page.status_code == 200
        assert 'data-state="absent"' in page.text and "metric_connection_health" in page.text
        assert 'data-state="empty"' in page.text and "Chưa có dữ liệu" in page.text
        assert page.text.count('<path class="province') == 34  # the map is still drawn, uncoloured
        assert client.get("/api/metrics/metric_connection_health").status_code == 404
        assert client.get("/metrics").status_code == 200
        assert client.get("/export.xlsx").status_code == 200


def test_quality_scores_per_dimension_show_with_their_trend_and_reach_prometheus(bare_warehouse, tmp_path):
    url = _copy(bare_warehouse, tmp_path)
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        for run, day, results in (("r1", 1, (True, False)), ("r2", 2, (True, True))):  # "đúng": 50 % then 100 %
            conn.execute(insert(quality_run).values(
                run_id=run, dataset="dossier", suite="s", run_at=datetime(2025, 8, day, tzinfo=timezone.utc),
                rows_checked=10, success=all(results), expectations=2, expectations_passed=sum(results)))
            conn.execute(insert(quality_result), [
                {"run_id": run, "expectation_no": n, "dimension": "dung", "expectation_type": "t",
                 "description_vi": "v", "description_en": "e", "success": ok} for n, ok in enumerate(results)])
    engine.dispose()
    with TestClient(create_app(read_only_engine(url))) as client:
        card = client.get("/").text.split('id="card-quality_dung"')[1].split("</article>")[0]
        assert '<p class="value">100,00</p>' in card and "<polyline" in card and "02/08/2025" in card
        assert 'lienthong_quality_score_ratio{dimension="dung"} 1.0' in client.get("/metrics").text


def test_every_value_on_the_screen_is_escaped(bare_warehouse, tmp_path):
    url = _copy(bare_warehouse, tmp_path)
    hostile = '<script>alert("x")</script>'
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(metric_online_filing_rate).values(
            unit_level="province", unit_code="01", period_start=datetime(2025, 7, 1).date(),
            period_end=datetime(2025, 7, 31).date(), unit_name=hostile, dossiers_received=2, dossiers_online=1,
            dossiers_direct=1, dossiers_postal=0, dossiers_no_channel=0, online_rate_pct=50.0,
            computed_at=datetime.now(timezone.utc)))
    engine.dispose()
    with TestClient(create_app(read_only_engine(url))) as client:
        page = client.get("/").text
    assert hostile not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_the_static_report_draws_the_map_with_both_archipelagos_and_the_charts(demo_warehouse, tmp_path):
    engine = read_only_engine(demo_warehouse.db_url)
    html = Path(write_report(engine, tmp_path, "vi")).read_text(encoding="utf-8")
    engine.dispose()
    assert html.count('<path class="province') == 34
    assert "Quần đảo Hoàng Sa (Việt Nam)" in html and "Quần đảo Trường Sa (Việt Nam)" in html
    assert 'id="online-rate-chart"' in html and 'class="trend"' in html
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_lienthong_serve_binds_127_0_0_1_at_the_configured_port_and_serves_read_only(demo_warehouse, monkeypatch):
    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    monkeypatch.setenv("LIENTHONG_DB_URL", demo_warehouse.db_url)
    monkeypatch.setenv("LIENTHONG_VAR_DIR", str(demo_warehouse.var_dir))
    monkeypatch.setenv("LIENTHONG_DASHBOARD_PORT", "8123")
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    assert "http://127.0.0.1:8123/" in result.output
    with TestClient(served["app"]) as client:
        assert "Monitoring centre" in client.get("/", params={"lang": "en"}).text
    assert CliRunner().invoke(cli.app, ["serve", "--port", "8124"]).exit_code == 0 and served["port"] == 8124
