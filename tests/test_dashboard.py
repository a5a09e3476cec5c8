"""The dashboard's server side over a demo warehouse, on SQLite and PostgreSQL: the metrics API
(JSON, CSV, OpenAPI, filters, read-only), Prometheus, the Excel export, empty and absent tables,
escaping, and the static report's map. The browser tests are in test_dashboard_browser.py."""
from __future__ import annotations

import csv
import io
import shutil
import uuid
from datetime import date, datetime, timezone
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
from hub.reports.i18n import LABELS
from hub.warehouse.db import create_warehouse_engine
from hub.warehouse.roles import grant_dashboard_role
from hub.settings import Settings
from hub.warehouse.schema import (metadata, metric_data_quality, metric_dossier_reduction_day,
                                  metric_online_filing_daily, metric_online_filing_rate)
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
            assert 'id="table-communes"' in page.text  # the communes of Cao Bằng: a metric table too
            assert "commune_report" not in page.text  # no canonical table is read, none is missing
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


RANGE = {"from": "2025-08-01", "to": "2025-08-19"}  # within the demo's dossiers; leaves out catalogue checks and rejections
WITHIN = {"start": date(2025, 8, 1), "end": date(2025, 8, 19)}


def _sheet(client, sheet: str, **params) -> list[dict]:
    """The rows of one sheet of the screen's Excel export, keyed by the Vietnamese headers."""
    header, *rows = load_workbook(io.BytesIO(client.get("/export.xlsx", params=params).content))[sheet].values
    return [dict(zip(header, row)) for row in rows]


def _sums(url: str, sql: str, **params) -> list[tuple]:
    """The metric tables read directly, as the expected figures."""
    engine = create_warehouse_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def _busiest_province(url: str) -> str:
    (busiest,), = _sums(url, "SELECT unit_code FROM metric_online_filing_daily WHERE unit_level = 'province' "
                             "AND breakdown = 'all' GROUP BY unit_code "
                             "ORDER BY SUM(dossiers_received) DESC, unit_code LIMIT 1")
    return busiest


def test_quality_scores_and_their_drill_down_are_metric_data_quality_sums_over_the_date_range(client, warehouse_url):
    expected = {d: (int(c), int(f)) for d, c, f in _sums(
        warehouse_url, "SELECT dimension, SUM(rows_checked), SUM(rows_failing) FROM metric_data_quality "
                       "WHERE day BETWEEN :start AND :end GROUP BY dimension", **WITHIN)}
    vi = LABELS["vi"]
    shown = {r["Tiêu chí"]: r for r in _sheet(client, "Chất lượng dữ liệu", **RANGE)}
    assert set(shown) == {vi[d] for d in expected} and expected
    cards = {r["Chỉ tiêu"]: r["Giá trị"] for r in _sheet(client, "Chỉ số chính", **RANGE)}
    for dimension, (checked, failing) in expected.items():
        row = shown[vi[dimension]]
        assert (row["Số dòng được kiểm tra"], row["Số dòng không đạt"]) == (checked, failing)
        assert row["Điểm (%)"] == pytest.approx(100 * (checked - failing) / checked, abs=0.005)
        assert cards[vi[f"quality_{dimension}"]] == row["Điểm (%)"]
    provinces = _sheet(client, "Chất lượng theo đơn vị", **RANGE)
    assert sum(r["Số dòng được kiểm tra"] for r in provinces) == sum(c for c, _ in expected.values())
    lowest = [r["Điểm thấp nhất (%)"] for r in provinces]
    assert lowest == sorted(lowest) and lowest[0] < 100  # worst first
    worst = provinces[0]["Mã"]
    communes = {code or None: (int(c), int(f)) for code, c, f in _sums(
        warehouse_url, "SELECT commune_code, SUM(rows_checked), SUM(rows_failing) FROM metric_data_quality "
                       "WHERE province_code = :province AND day BETWEEN :start AND :end GROUP BY commune_code",
        province=worst, **WITHIN)}
    drilled = _sheet(client, "Chất lượng theo đơn vị", province=worst, **RANGE)
    assert {r["Mã"]: (r["Số dòng được kiểm tra"], r["Số dòng không đạt"]) for r in drilled} == communes
    assert [r["Điểm thấp nhất (%)"] for r in drilled] == sorted(r["Điểm thấp nhất (%)"] for r in drilled)


def test_the_procedure_drill_down_sums_the_daily_facts_over_the_date_range_lowest_online_rate_first(
        client, warehouse_url):
    facts = ("SELECT breakdown_code, SUM(dossiers_received), SUM(dossiers_online) FROM metric_online_filing_daily "
             "WHERE unit_code = :unit AND breakdown = :breakdown AND day BETWEEN :start AND :end GROUP BY breakdown_code")
    busiest = _busiest_province(warehouse_url)
    for unit, params in (("VN", {}), (busiest, {"province": busiest})):
        expected = {code: (int(r), int(o)) for code, r, o in _sums(warehouse_url, facts, unit=unit,
                                                                   breakdown="procedure", **WITHIN)}
        (_, received_all, _), = _sums(warehouse_url, facts, unit=unit, breakdown="all", **WITHIN)
        rows = _sheet(client, "Trực tuyến theo thủ tục", **params, **RANGE)
        assert {r["Mã"]: (r["Hồ sơ tiếp nhận"], r["Trực tuyến"]) for r in rows} == expected and expected
        assert sum(received for received, _ in expected.values()) == received_all  # procedures add up to the unit
        rates = [r["Tỷ lệ trực tuyến (%)"] for r in rows]
        assert rates == sorted(rates) and all(r["Thủ tục hành chính"] for r in rows)  # named from the catalogue
    api = client.get("/api/metrics/metric_online_filing_daily", params={
        "unit": busiest, "level": "province", "breakdown": "procedure", "limit": 100_000, **RANGE}).json()["rows"]
    assert {r["breakdown"] for r in api} == {"procedure"}
    assert sum(r["dossiers_received"] for r in api) == sum(received for received, _ in expected.values())

    reduction = {code: tuple(int(v) for v in values) for code, *values in _sums(
        warehouse_url, "SELECT unit_code, SUM(dossiers_received), SUM(dossiers_reusing_data), SUM(attachments), "
                       "SUM(attachments_avoidable) FROM metric_dossier_reduction_day "
                       "WHERE unit_level = 'procedure' AND day BETWEEN :start AND :end GROUP BY unit_code", **WITHIN)}
    components = {code: (int(a), int(b)) for code, a, b in _sums(
        warehouse_url, "SELECT procedure_code, SUM(CASE WHEN replaceable_by IS NOT NULL THEN 1 ELSE 0 END), "
                       "SUM(CASE WHEN replaceable_by IS NOT NULL AND portal_replaces THEN 1 ELSE 0 END) "
                       "FROM metric_procedure_component_reduction GROUP BY procedure_code")}
    rows = _sheet(client, "Cắt giảm theo thủ tục", **RANGE)
    assert {r["Mã"]: (r["Hồ sơ tiếp nhận"], r["Hồ sơ tái sử dụng dữ liệu"], r["Thành phần hồ sơ"],
                      r["Giấy tờ có thể thay bằng dữ liệu"]) for r in rows} == reduction and reduction
    assert {r["Mã"]: (r["Thành phần có thể thay bằng dữ liệu"], r["Trong đó cổng đã thay"]) for r in rows} == \
           {code: components.get(code, (None, None)) for code in reduction}
    reuse = [r["Tỷ lệ tái sử dụng (%)"] for r in rows]
    known = [rate for rate in reuse if rate is not None]
    assert known == sorted(known) and reuse[:len(known)] == known  # lowest reuse first, nothing received last


def test_a_provinces_communes_show_their_online_rates_and_dossier_reduction_summed_over_the_date_range_lowest_first(
        client, warehouse_url):
    province = _busiest_province(warehouse_url)
    channels = {code: tuple(int(v) for v in values) for code, *values in _sums(
        warehouse_url, "SELECT unit_code, SUM(dossiers_received), SUM(dossiers_online), SUM(dossiers_direct), "
                       "SUM(dossiers_postal), SUM(dossiers_no_channel) FROM metric_online_filing_daily "
                       "WHERE unit_level = 'commune' AND breakdown = 'all' AND province_code = :province "
                       "AND day BETWEEN :start AND :end GROUP BY unit_code", province=province, **WITHIN)}
    rows = _sheet(client, "Trực tuyến theo xã", province=province, **RANGE)
    assert {r["Mã"]: (r["Hồ sơ tiếp nhận"], r["Trực tuyến"], r["Trực tiếp"], r["Bưu chính công ích"],
                      r["Không rõ kênh"]) for r in rows} == channels
    assert sum(received for received, *_ in channels.values()) > 0  # the busiest province: its communes received
    for r in rows:
        received, online = channels[r["Mã"]][:2]
        assert r["Tỷ lệ trực tuyến (%)"] == (pytest.approx(100 * online / received, abs=0.005) if received else None)
    rates = [r["Tỷ lệ trực tuyến (%)"] for r in rows]
    known = [rate for rate in rates if rate is not None]
    assert known == sorted(known) and rates[:len(known)] == known  # lowest online rate first, nothing received last

    # The province of a commune's reduction row, taken here from the readiness reports (another metric table).
    reduction = {code: tuple(int(v) for v in values) for code, *values in _sums(
        warehouse_url, "SELECT unit_code, SUM(dossiers_received), SUM(dossiers_reusing_data), SUM(attachments), "
                       "SUM(attachments_avoidable) FROM metric_dossier_reduction_day WHERE unit_level = 'commune' "
                       "AND unit_code IN (SELECT commune_code FROM metric_readiness_commune "
                       "WHERE province_code = :province) AND day BETWEEN :start AND :end GROUP BY unit_code",
        province=province, **WITHIN)}
    rows = _sheet(client, "Cắt giảm giấy tờ theo xã", province=province, **RANGE)
    assert {r["Mã"]: (r["Hồ sơ tiếp nhận"], r["Hồ sơ tái sử dụng dữ liệu"], r["Thành phần hồ sơ"],
                      r["Giấy tờ có thể thay bằng dữ liệu"]) for r in rows} == reduction
    assert sum(received for received, *_ in reduction.values()) > 0
    reuse = [r["Tỷ lệ tái sử dụng (%)"] for r in rows]
    known = [rate for rate in reuse if rate is not None]
    assert known == sorted(known) and reuse[:len(known)] == known


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


def _quality_row(dimension: str, province: str, commune: str, day: int, checked: int, failing: int,
                 origin: str = "check") -> dict:
    return {"dataset": "dossier", "source": "dvc_portal", "dimension": dimension, "province_code": province,
            "commune_code": commune, "day": date(2025, 8, day), "origin": origin, "rows_checked": checked,
            "rows_failing": failing, "score_pct": 100.0 * (checked - failing) / checked,
            "computed_at": datetime.now(timezone.utc)}


def test_quality_scores_per_dimension_are_sums_over_the_date_range_with_their_trend_and_reach_prometheus(
        bare_warehouse, tmp_path):
    url = _copy(bare_warehouse, tmp_path)
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:  # "đúng": 5 of 10 rows failing on 1 Aug, none of 30 on 2 Aug
        conn.execute(insert(metric_data_quality), [_quality_row("dung", "01", "00004", 1, 10, 5),
                                                   _quality_row("dung", "01", "00004", 2, 30, 0)])
    engine.dispose()
    with TestClient(create_app(read_only_engine(url))) as client:
        card = client.get("/").text.split('id="card-quality_dung"')[1].split("</article>")[0]
        assert '<p class="value">87,50</p>' in card and "<polyline" in card and "02/08/2025" in card  # 35 of 40
        later = client.get("/", params={"from": "2025-08-02"}).text.split('id="card-quality_dung"')[1]
        assert '<p class="value">100,00</p>' in later.split("</article>")[0]
        assert 'lienthong_quality_score_ratio{dimension="dung"} 0.875' in client.get("/metrics").text


def test_quality_by_unit_drills_from_provinces_to_communes_worst_first(bare_warehouse, tmp_path):
    url = _copy(bare_warehouse, tmp_path)
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(metric_data_quality), [
            _quality_row("dung", "01", "00004", 1, 10, 0), _quality_row("song", "01", "00004", 1, 10, 1),
            _quality_row("dung", "01", "00008", 1, 10, 4),  # the commune with the lowest score: 60 %
            _quality_row("dung", "04", "01279", 1, 10, 0),
            _quality_row("du", "", "", 1, 4, 1, origin="quarantine")])  # rejected, its unit unknown: 75 %
    engine.dispose()
    with TestClient(create_app(read_only_engine(url))) as client:
        book = load_workbook(io.BytesIO(client.get("/export.xlsx").content))
        provinces = list(book["Chất lượng theo đơn vị"].values)
        assert provinces[0] == ("Mã", "Đơn vị", "Số dòng được kiểm tra", "Số dòng không đạt", "Đúng (%)", "Đủ (%)",
                                "Sạch (%)", "Sống (%)", "Điểm thấp nhất (%)")
        assert provinces[1:] == [(None, "Không gắn với đơn vị hành chính", 4, 1, None, 75, None, None, 75),
                                 ("01", None, 30, 5, 80, None, None, 90, 80),  # đúng 16 of 20, sống 9 of 10
                                 ("04", None, 10, 0, 100, None, None, None, 100)]  # worst (lowest score) first
        page = client.get("/", params={"province": "01", "lang": "en"}).text
        communes = page.split('id="table-quality_units"')[1].split("</table>")[0]
        assert "Data quality by commune (worst first)" in page
        assert communes.index(">00008<") < communes.index(">00004<") and ">01279<" not in communes


def _filing_row(unit_code: str, province: str, name: str, received: int, online: int, day: int = 1) -> dict:
    return {"day": date(2025, 8, day), "unit_level": "commune", "unit_code": unit_code, "breakdown": "all",
            "breakdown_code": "", "province_code": province, "unit_name": name, "dossiers_received": received,
            "dossiers_online": online, "dossiers_direct": received - online, "dossiers_postal": 0,
            "dossiers_no_channel": 0, "online_rate_pct": 100.0 * online / received if received else None,
            "computed_at": datetime.now(timezone.utc)}


def _reduction_row(unit_code: str, name: str | None, received: int, reusing: int, day: int = 1) -> dict:
    counts = dict.fromkeys(("dossiers_with_avoidable", "attachments", "attachments_replaceable",
                            "attachments_avoidable", "attachments_avoidable_verified", "attachments_outside_list"), 0)
    return {"day": date(2025, 8, day), "unit_level": "commune", "unit_code": unit_code, "unit_name": name,
            "unit_known": name is not None, "dossiers_received": received, "dossiers_reusing_data": reusing, **counts,
            "reuse_rate_pct": 100.0 * reusing / received if received else None, "avoidable_pct": None,
            "outside_list_pct": None, "computed_at": datetime.now(timezone.utc)}


def test_the_communes_of_a_province_are_placed_by_the_daily_facts_and_its_unplaced_dossiers_named_as_such(
        bare_warehouse, tmp_path):
    url = _copy(bare_warehouse, tmp_path)
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(metric_online_filing_daily), [
            _filing_row("00004", "01", "Phường Ba Đình", 10, 9), _filing_row("00004", "01", "Phường Ba Đình", 10, 1, 2),
            _filing_row("00008", "01", "Phường Ngọc Hà", 4, 1),
            _filing_row("01:unknown", "01", "Chưa xác định xã", 5, 5),
            _filing_row("01279", "04", "Phường Thục Phán", 0, 0)])  # its code starts with 01, its province is 04
        conn.execute(insert(metric_dossier_reduction_day), [
            _reduction_row("00004", "Phường Ba Đình", 20, 5), _reduction_row("00008", "Phường Ngọc Hà", 4, 0),
            _reduction_row("01279", "Phường Thục Phán", 0, 0),
            _reduction_row("01999", None, 3, 3)])  # a code the reference units do not know: no province
    engine.dispose()
    with TestClient(create_app(read_only_engine(url))) as client:
        rates = _sheet(client, "Trực tuyến theo xã", province="01")
        assert [(r["Mã"], r["Xã, phường, đặc khu"], r["Hồ sơ tiếp nhận"], r["Trực tuyến"], r["Tỷ lệ trực tuyến (%)"])
                for r in rates] == [("00008", "Phường Ngọc Hà", 4, 1, 25), ("00004", "Phường Ba Đình", 20, 10, 50),
                                    ("01:unknown", "Chưa xác định xã", 5, 5, 100)]
        reduction = _sheet(client, "Cắt giảm giấy tờ theo xã", province="01")
        assert [(r["Mã"], r["Hồ sơ tiếp nhận"], r["Tỷ lệ tái sử dụng (%)"]) for r in reduction] == \
               [("00008", 4, 0), ("00004", 20, 25)]
        assert [r["Mã"] for r in _sheet(client, "Cắt giảm giấy tờ theo xã", province="04")] == ["01279"]
        page = client.get("/", params={"province": "01", "lang": "en"}).text
        assert "Online filing rate by commune over the date range (lowest first)" in page
        assert ">Commune not identified<" in page.split('id="table-commune_rates"')[1].split("</table>")[0]
        later = client.get("/", params={"province": "01", "from": "2025-08-02"}).text
        communes = later.split('id="table-commune_rates"')[1].split("</table>")[0]
        assert communes.count("<tr>") == 1 + 1  # the header and 00004, the one commune with a row on 2 Aug
        assert ">00004<" in communes and '<td class="pct">10,00</td>' in communes  # 1 of 10 online that day
        assert 'id="table-commune_reduction"' not in later  # no reduction row on 2 Aug: an empty state
        assert 'data-state="empty"' in later.split('id="section-commune_reduction"')[1].split("</section>")[0]


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
