"""The monitoring simulator's daily reports, read with requests, hit the seed articles' figures
(shared/domain/seeds_figures.md section 2) on the right dates."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
import requests

from sandbox.monitoring_data import BASIC_CRITERIA, CRITERIA

ALL_GREEN_PROVINCES = {"14", "20", "25", "15", "96", "01", "46", "79", "33"}  # GSO codes of the nine


@pytest.fixture(scope="module")
def api(sandbox):
    entry = sandbox.endpoints["monitoring"]
    session = requests.Session()
    session.headers[entry["options"]["api_key_header"]] = entry["password"]

    def get(path: str, **params):
        reply = session.get(f"{entry['url']}{path}", params=params, timeout=30)
        reply.raise_for_status()
        return reply.json()

    yield get
    session.close()


@pytest.fixture(scope="module")
def communes(api):
    cache = {}

    def on(day: str) -> list[dict]:
        if day not in cache:
            cache[day] = api("/api/v1/bao-cao/xa", ngay=day)["du_lieu"]
        return cache[day]

    return on


@pytest.fixture(scope="module")
def provinces(api):
    return lambda day: api("/api/v1/bao-cao/tinh", ngay=day)["du_lieu"]


def green_share_by_province(rows: list[dict], sizes: dict[str, int]) -> dict[str, float]:
    green = Counter(r["ma_tinh"] for r in rows if r["trang_thai"] == "Xanh")
    return {code: green[code] / size for code, size in sizes.items()}


def sizes_of(provinces_rows) -> dict[str, int]:
    return {p["ma_tinh"]: p["so_xa"] for p in provinces_rows}


def test_7_july_32_of_34_provinces_green_and_397_of_2982_reporting_communes_meet_basic_conditions(communes, provinces):
    status = Counter(p["trang_thai"] for p in provinces("2025-07-07"))
    rows = communes("2025-07-07")
    assert status["Xanh"] == 32 and len(rows) == 2_982
    basic = sum(r["dap_ung_dieu_kien_co_ban"] for r in rows)
    assert basic == 397 and round(100 * basic / len(rows), 1) == 13.3


def test_15_july_33_provinces_green_3320_communes_reporting_9_provinces_above_half_green(communes, provinces):
    province_rows = provinces("2025-07-15")
    assert Counter(p["trang_thai"] for p in province_rows)["Xanh"] == 33
    rows = communes("2025-07-15")
    assert len(rows) == 3_320
    shares = green_share_by_province(rows, sizes_of(province_rows))
    assert sum(share > 0.5 for share in shares.values()) == 9


def test_10_august_31_green_3_yellow_0_red_nine_provinces_fully_green_and_cao_bang_3_of_56(communes, provinces):
    province_rows = provinces("2025-08-10")
    assert Counter(p["trang_thai"] for p in province_rows) == {"Xanh": 31, "Vàng": 3}
    rows = communes("2025-08-10")
    assert len(rows) == 3_321
    shares = green_share_by_province(rows, sizes_of(province_rows))
    assert {code for code, share in shares.items() if share == 1.0} == ALL_GREEN_PROVINCES
    cao_bang = [r for r in rows if r["ma_tinh"] == "04"]
    assert len(cao_bang) == 56 and sum(r["trang_thai"] == "Xanh" for r in cao_bang) == 3
    assert min(shares, key=shares.get) == "04"


def test_24_august_all_green_25_above_half_21_above_70_percent_2386_basic_and_95_75_percent_staffed(communes, provinces):
    province_rows = provinces("2025-08-24")
    assert Counter(p["trang_thai"] for p in province_rows) == {"Xanh": 34}
    rows = communes("2025-08-24")
    assert len(rows) == 3_321
    shares = green_share_by_province(rows, sizes_of(province_rows))
    assert sum(share > 0.5 for share in shares.values()) == 25
    assert sum(share > 0.7 for share in shares.values()) == 21
    basic = sum(r["dap_ung_dieu_kien_co_ban"] for r in rows)
    assert basic == 2_386 and round(100 * basic / 3_321, 1) == 71.8
    staffed = sum(r["tieu_chi"]["du_can_bo_mot_cua"] for r in rows)
    assert round(100 * staffed / 3_321, 2) == 95.75


def test_commune_status_follows_the_documented_definitions(communes):
    for row in communes("2025-08-10"):
        criteria = row["tieu_chi"]
        assert set(criteria) == set(CRITERIA)
        assert row["dap_ung_dieu_kien_co_ban"] == all(criteria[c] for c in BASIC_CRITERIA)
        expected = "Xanh" if all(criteria.values()) else "Vàng" if row["dap_ung_dieu_kien_co_ban"] else "Đỏ"
        assert row["trang_thai"] == expected


def test_communes_only_improve_from_day_to_day(communes):
    days = ["2025-07-07", "2025-07-15", "2025-08-10", "2025-08-24"]
    for earlier, later in zip(days, days[1:]):
        before = {r["ma_xa"]: r for r in communes(earlier)}
        after = {r["ma_xa"]: r for r in communes(later)}
        assert set(before) <= set(after)
        for code, row in before.items():
            assert all(after[code]["tieu_chi"][c] for c, met in row["tieu_chi"].items() if met)


def test_reports_are_counted_by_the_16h_cut_off_and_late_ones_are_listed_on_request(api):
    on_time = api("/api/v1/bao-cao/xa", ngay="2025-07-06")
    with_late = api("/api/v1/bao-cao/xa", ngay="2025-07-06", bao_gom_tre_han="true")
    assert on_time["thoi_diem_chot"] == "2025-07-06T16:00:00+07:00"
    late = [r for r in with_late["du_lieu"] if not r["dung_han"]]
    assert late and len(with_late["du_lieu"]) == len(on_time["du_lieu"]) + len(late)
    assert all(datetime.fromisoformat(r["thoi_diem_gui"]).hour >= 16 for r in late)
    assert all(datetime.fromisoformat(r["thoi_diem_gui"]).hour < 16 for r in on_time["du_lieu"])
    later_ids = {r["ma_xa"] for r in api("/api/v1/bao-cao/xa", ngay="2025-07-07")["du_lieu"]}
    assert {r["ma_xa"] for r in late} <= later_ids  # the late communes report on time the next day


def test_province_reports_list_plan_tasks_with_deadlines_and_completion(api, provinces):
    tasks = api("/api/v1/nhiem-vu")["du_lieu"]
    rows = provinces("2025-08-10")
    yellow = [p for p in rows if p["trang_thai"] == "Vàng"]
    for province in yellow:
        assert province["so_nhiem_vu_qua_han"] >= 1
        assert any(t["trang_thai"] == "Quá hạn" for t in province["nhiem_vu"])
    for province in rows:
        assert [t["ma_nhiem_vu"] for t in province["nhiem_vu"]] == [t["ma_nhiem_vu"] for t in tasks]
        for task in province["nhiem_vu"]:
            if task["ngay_hoan_thanh"]:
                assert date.fromisoformat(task["ngay_hoan_thanh"]) <= date(2025, 8, 10)
    assert sum(p["so_xa"] for p in rows) == 3_321


def test_one_province_filter_no_key_and_dates_outside_the_period(sandbox, api):
    rows = api("/api/v1/bao-cao/xa", ngay="2025-08-10", ma_tinh="04")["du_lieu"]
    assert len(rows) == 56 and {r["ma_tinh"] for r in rows} == {"04"}
    url = sandbox.endpoints["monitoring"]["url"]
    assert requests.get(f"{url}/api/v1/bao-cao/tinh", params={"ngay": "2025-08-10"}, timeout=10).status_code == 401
    with pytest.raises(requests.HTTPError) as raised:
        api("/api/v1/bao-cao/tinh", ngay="2025-06-30")
    assert raised.value.response.status_code == 404


def test_the_ledger_records_every_served_report_row(sandbox, api):
    sandbox.ledger.reset()
    rows = api("/api/v1/bao-cao/xa", ngay="2025-08-11", ma_tinh="46")["du_lieu"]
    assert sandbox.ledger.keys_served("monitoring", "bao_cao_xa") == {f"2025-08-11:{r['ma_xa']}" for r in rows}
