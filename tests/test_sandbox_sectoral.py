"""The sectoral simulators answer their real clients: requests (land REST), csv (civil-status
files), SQLAlchemy (social-insurance database)."""
from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, inspect, text

from mappings.admin_units import load_admin_units
from sandbox import people
from sandbox.civil_status import COLUMNS, CivilStatusExport
from sandbox.civil_status import ROW_SHAPE as CIVIL_ROW_SHAPE
from sandbox.faults import FaultSwitches
from sandbox.insurance import ROW_SHAPE as INSURANCE_ROW_SHAPE
from sandbox.insurance import TABLE, InsuranceRegister
from sandbox.land import PARCEL_SHAPE
from sandbox.ledger import Ledger
from sandbox.openapi_export import OPENAPI_DIR, openapi_documents, render
from tests.sandbox_faults import (RATE, TODAY, assert_exactly_these_changed, defect_visible,
                                  switched_on)

RECORD_DEFECTS = ["invalid_id", "unicode_nfd", "future_date", "missing_mandatory"]


# --- land registry (REST) -------------------------------------------------------------------

def land_pages(sandbox, limit: int = 50, **params) -> list[list[dict]]:
    entry = sandbox.endpoints["land_registry"]
    headers = {entry["options"]["api_key_header"]: entry["password"]}
    url = f"{entry['url']}{entry['options']['path']}"
    pages, query = [], {"limit": limit, **params}
    while True:
        reply = requests.get(url, params=query, headers=headers, timeout=10)
        reply.raise_for_status()
        body = reply.json()
        pages.append(body["data"])
        if not body["has_more"]:
            return pages
        query = {"limit": limit, "cursor": body["next_cursor"]}


def test_land_cursor_pagination_covers_every_parcel_exactly_once(sandbox):
    sandbox.ledger.reset()
    records = [r for page in land_pages(sandbox, limit=70) for r in page]
    keys = [r["maThuaDat"] for r in records]
    assert len(keys) == len(set(keys)) == len(sandbox.land_app.state.parcels)
    assert sandbox.ledger.keys_served("land_registry", "thua_dat") == set(keys)
    stamps = [datetime.fromisoformat(r["capNhatLuc"]) for r in records]
    assert stamps == sorted(stamps) and all(s.utcoffset().total_seconds() == 7 * 3600 for s in stamps)


def test_land_records_carry_ids_iso_dates_and_some_pre_merger_commune_codes(sandbox):
    records = land_pages(sandbox, limit=500)[0]
    current = set(load_admin_units().communes)
    sample = records[0]
    assert re.fullmatch(r"\d{12}", sample["soDinhDanhChuSuDung"])
    assert people.citizen(sample["soDinhDanhChuSuDung"]).full_name == sample["hoTenChuSuDung"]
    assert date.fromisoformat(sample["ngayCapGiayChungNhan"]) < TODAY
    assert sample["dienTich"] > 0 and sample["mucDichSuDung"] and sample["soGiayChungNhan"]
    old = [r for r in records if r["maXa"] not in current]
    assert 0.05 < len(old) / len(records) < 0.3
    assert all(re.fullmatch(r"\d{5}", r["maXa"]) for r in records)


def test_land_updated_since_keeps_only_later_updates_and_travels_in_the_cursor(sandbox):
    since = "2025-08-01T00:00:00+07:00"
    records = [r for page in land_pages(sandbox, limit=40, updated_since=since) for r in page]
    everything = [r for page in land_pages(sandbox, limit=500) for r in page]
    expected = [r for r in everything if datetime.fromisoformat(r["capNhatLuc"]) >= datetime.fromisoformat(since)]
    assert records == expected and 0 < len(records) < len(everything)


def test_land_refuses_missing_keys_bad_cursors_and_naive_timestamps(sandbox):
    entry = sandbox.endpoints["land_registry"]
    url = f"{entry['url']}{entry['options']['path']}"
    headers = {"X-API-Key": entry["password"]}
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"X-API-Key": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, params={"cursor": "not-a-cursor"}, headers=headers, timeout=10).status_code == 400
    assert requests.get(url, params={"updated_since": "2025-08-01T00:00:00"}, headers=headers, timeout=10).status_code == 400
    assert requests.get(url, params={"limit": 501}, headers=headers, timeout=10).status_code == 422


def test_land_duplicate_records_repeat_the_last_record_of_the_previous_page(sandbox):
    with switched_on(sandbox, "land_registry", "duplicate_records", rate=1.0) as ledger:
        pages = land_pages(sandbox, limit=100)
        repeated = {p[0]["maThuaDat"] for p in pages[1:]}
        assert all(page[0] == previous[-1] for previous, page in zip(pages, pages[1:]))
        keys = [r["maThuaDat"] for page in pages for r in page]
        assert {k for k in keys if keys.count(k) > 1} == repeated
        assert ledger.keys_with_defect("land_registry", "duplicate_records") == repeated


def test_land_out_of_order_pages_break_the_update_order_of_exactly_the_recorded_records(sandbox):
    with switched_on(sandbox, "land_registry", "out_of_order", rate=1.0) as ledger:
        pages = land_pages(sandbox, limit=100)
        for page in pages:
            stamps = [r["capNhatLuc"] for r in page]
            assert stamps == sorted(stamps, reverse=True) and stamps != sorted(stamps)
        served = {r["maThuaDat"] for page in pages for r in page}
        assert ledger.keys_with_defect("land_registry", "out_of_order") == served


def _parcels(sandbox) -> dict:
    return {r["maThuaDat"]: r for page in land_pages(sandbox, limit=500) for r in page}


@pytest.mark.parametrize("defect", RECORD_DEFECTS + ["schema_drift"])
def test_land_data_faults_corrupt_exactly_the_records_the_ledger_names(sandbox, defect):
    clean = _parcels(sandbox)
    with switched_on(sandbox, "land_registry", defect) as ledger:
        served = _parcels(sandbox)
        hit = ledger.keys_with_defect("land_registry", defect)
    assert 0.3 < len(hit) / len(clean) < 0.7
    assert_exactly_these_changed(hit, served, clean)
    for key in hit:
        record = served[key]
        if defect == "schema_drift":
            assert "dienTich" not in record and record["dienTichM2"] == clean[key]["dienTich"]
        else:
            assert defect_visible(defect, record, PARCEL_SHAPE, date.fromisoformat)


def test_the_committed_openapi_files_match_the_apps():
    for name, document in openapi_documents().items():
        assert (OPENAPI_DIR / f"{name}.json").read_text(encoding="utf-8") == render(document), name


# --- civil status (daily CSV files) ---------------------------------------------------------

def read_drop(directory: Path) -> dict[str, list[dict]]:
    files = {}
    for path in sorted(directory.glob("hotich_*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            files[path.name] = list(csv.DictReader(fh, delimiter=";"))
    return files


def test_civil_status_drops_one_bom_csv_per_day_with_vietnamese_headers(sandbox):
    entry = sandbox.endpoints["civil_status"]
    directory = Path(entry["path"])
    names = sorted(p.name for p in directory.glob(entry["options"]["glob"]))
    assert names[0] == "hotich_20250701.csv" and names[-1] == "hotich_20250819.csv" and len(names) == 50
    raw = (directory / names[0]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with open(directory / names[0], encoding=entry["options"]["encoding"], newline="") as fh:
        rows = list(csv.reader(fh, delimiter=entry["options"]["delimiter"]))
    assert tuple(rows[0]) == COLUMNS
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert {r["Loại sự kiện"] for r in records} == {"Khai sinh", "Kết hôn", "Khai tử"}
    for record in records:
        assert record["Ngày đăng ký"] == "01/07/2025"
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", record["Ngày sự kiện"])
        assert people.citizen(record["Số định danh"]).full_name == record["Họ và tên"]
        assert all(unicodedata.is_normalized("NFC", v) for v in record.values())
        assert record["Mã xã"] in load_admin_units().communes


def _rewrite_drop(sandbox, tmp_path: Path, defect: str, rate: float):
    ledger = Ledger()
    switches = FaultSwitches(rates={defect: rate} if rate else {})
    CivilStatusExport(sandbox.scenario, switches, ledger).write(tmp_path / defect / str(rate))
    return read_drop(tmp_path / defect / str(rate)), ledger


def _by_key(files: dict, key_column: str = "Mã sự kiện") -> dict:
    return {row[key_column]: row for rows in files.values() for row in rows}


@pytest.mark.parametrize("defect", RECORD_DEFECTS)
def test_civil_status_data_faults_corrupt_exactly_the_rows_the_ledger_names(sandbox, tmp_path, defect):
    clean, _ = _rewrite_drop(sandbox, tmp_path, defect, 0)
    files, ledger = _rewrite_drop(sandbox, tmp_path, defect, RATE)
    served = _by_key(files)
    assert ledger.keys_served("civil_status", "hotich") == set(served)
    hit = ledger.keys_with_defect("civil_status", defect)
    assert_exactly_these_changed(hit, served, _by_key(clean))
    parse = lambda text: datetime.strptime(text, "%d/%m/%Y").date()  # noqa: E731
    assert all(defect_visible(defect, served[key], CIVIL_ROW_SHAPE, parse) for key in hit)


def test_civil_status_schema_drift_renames_and_adds_a_column_in_whole_files(sandbox, tmp_path):
    files, ledger = _rewrite_drop(sandbox, tmp_path, "schema_drift", RATE)
    drifted = {name for name, rows in files.items() if "Số định danh" not in rows[0]}
    assert 0 < len(drifted) < len(files)
    for name in drifted:
        assert {"Số định danh cá nhân", "Ghi chú"} <= set(files[name][0])
    expected = {row["Mã sự kiện"] for name in drifted for row in files[name]}
    assert ledger.keys_with_defect("civil_status", "schema_drift") == expected


# --- social insurance (SQL database) --------------------------------------------------------

def test_insurance_database_is_readable_through_sqlalchemy_with_a_watermark(sandbox):
    engine = create_engine(sandbox.endpoints["social_insurance"]["url"])
    try:
        columns = [c["name"] for c in inspect(engine).get_columns(TABLE)]
        assert columns[:3] == ["ma_so_bhxh", "so_dinh_danh", "ho_ten"] and "ngay_cap_nhat" in columns
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT * FROM {TABLE} ORDER BY ngay_cap_nhat")).mappings().all()
            later = conn.execute(text(f"SELECT COUNT(*) FROM {TABLE} WHERE ngay_cap_nhat >= '2025-08-01'")).scalar()
    finally:
        engine.dispose()
    assert len(rows) == sandbox.scenario.system("social_insurance")["participants"]
    assert len({r["ma_so_bhxh"] for r in rows}) == len(rows)
    assert all(re.fullmatch(r"\d{10}", r["ma_so_bhxh"]) for r in rows)
    assert 0 < later < len(rows)
    sample = rows[0]
    assert people.citizen(sample["so_dinh_danh"]).full_name == sample["ho_ten"]
    assert sample["loai_hinh"] in ("BB", "TN") and sample["ma_xa"] in load_admin_units().communes


def _build_db(sandbox, tmp_path: Path, defect: str, rate: float):
    ledger = Ledger()
    switches = FaultSwitches(rates={defect: rate} if rate else {})
    url = InsuranceRegister(sandbox.scenario, switches, ledger).build(tmp_path / f"{defect}-{rate}.sqlite")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = {r["ma_so_bhxh"]: dict(r) for r in conn.execute(text(f"SELECT * FROM {TABLE}")).mappings()}
    finally:
        engine.dispose()
    return rows, ledger


@pytest.mark.parametrize("defect", RECORD_DEFECTS)
def test_insurance_data_faults_corrupt_exactly_the_rows_the_ledger_names(sandbox, tmp_path, defect):
    clean, _ = _build_db(sandbox, tmp_path, defect, 0)
    served, ledger = _build_db(sandbox, tmp_path, defect, RATE)
    assert ledger.keys_served("social_insurance", "tham_gia_bhxh") == set(served)
    hit = ledger.keys_with_defect("social_insurance", defect)
    assert_exactly_these_changed(hit, served, clean)
    assert all(defect_visible(defect, served[key], INSURANCE_ROW_SHAPE, date.fromisoformat) for key in hit)


def test_insurance_schema_drift_renames_and_adds_columns_for_the_whole_table(sandbox, tmp_path):
    served, ledger = _build_db(sandbox, tmp_path, "schema_drift", 1.0)
    sample = next(iter(served.values()))
    assert "ma_xa" not in sample and {"ma_phuong_xa", "ghi_chu"} <= set(sample)
    assert ledger.keys_with_defect("social_insurance", "schema_drift") == set(served)


def test_the_stack_rewrites_files_under_switched_faults(sandbox):
    with switched_on(sandbox, "social_insurance", "invalid_id", rate=1.0) as ledger:
        sandbox.refresh_files()
        engine = create_engine(sandbox.endpoints["social_insurance"]["url"])
        try:
            with engine.connect() as conn:
                ids = conn.execute(text(f"SELECT so_dinh_danh FROM {TABLE}")).scalars().all()
        finally:
            engine.dispose()
        assert not any(people.valid_personal_id(pid, TODAY) for pid in ids)
        assert len(ledger.keys_with_defect("social_insurance", "invalid_id")) == len(ids)
    sandbox.refresh_files()


# --- the stack ------------------------------------------------------------------------------

def test_the_stack_starts_every_simulator_quickly_and_lists_them_in_endpoints(tmp_path):
    import time

    from sandbox.stack import SandboxStack

    started = time.monotonic()
    with SandboxStack("demo", state_dir=tmp_path) as stack:
        elapsed = time.monotonic() - started
        endpoints = stack.endpoints
        assert set(endpoints) == {"dvc_portal", "population_db", "land_registry", "civil_status",
                                  "social_insurance", "monitoring"}
        assert all(entry["url"] for entry in endpoints.values())
        assert Path(endpoints["civil_status"]["path"]).parent == tmp_path
        assert Path(endpoints["social_insurance"]["path"]).is_file()
        assert set(stack.faults) == set(endpoints)
    assert elapsed < 3.0
