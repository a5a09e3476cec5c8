"""Sectoral sources of the three known kinds, declared in YAML only (no Python per source)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from fastapi import FastAPI, Header, HTTPException
from sqlalchemy import Column, DateTime, MetaData, String, Table, create_engine, func, insert, select

from hub import pipeline
from hub.warehouse.schema import batch_reconciliation, quarantine, sectoral_record
from sandbox.server import ThreadedServer

MAPPING = """
source: {name}
stream: {stream}
target: sectoral_record
record_key: {key}
pii:
  hash: [{id_field}]
  drop: [{name_field}]
fields:
  source:           {{type: constant, value: {name}}}
  record_key:       {{from: {key}, type: string, required: true}}
  record_type:      {{type: constant, value: {record_type}}}
  subject_id_hash:  {{from: {id_field}, type: string}}
  subject_id_kind:  {{from: {id_field}__kind, type: string}}
  updated_at:       {{from: {updated}, type: datetime, format: {fmt}, required: true}}
  province_code:    {{from: {province}, type: province}}
  commune_code:     {{from: {commune}, type: commune, as_of: updated_at, ambiguous: "null"}}
  commune_code_as_received: {{from: {commune}, type: string}}
  event_date:       {{from: {event}, type: date, format: "{event_fmt}"}}
  attributes:       {{type: json, from: [{attributes}]}}
"""


def declare(tmp_path: Path, monkeypatch, name: str, declaration: str, **mapping) -> None:
    """Write a source declaration and its mapping, exactly what an operator adds for a new source."""
    (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(MAPPING.format(name=name, **mapping)), encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    existing = sources.read_text(encoding="utf-8") if sources.exists() else "sources:\n"
    sources.write_text(existing + textwrap.indent(textwrap.dedent(declaration), "  "), encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_SOURCES_FILE", str(sources))


PERSON = "001190012345"


@pytest.fixture
def civil_status_files(tmp_path, monkeypatch):
    drop = tmp_path / "drop"
    drop.mkdir()
    header = "SoDinhDanh;HoTen;LoaiSuKien;NgayDangKy;MaTinh;MaXa;SoDangKy;NgayCapNhat\n"
    (drop / "hotich_20250801.csv").write_bytes(("\ufeff" + header +
        f"{PERSON};Nguyễn Văn An;khai_sinh;01/08/2025;01;00004;KS-1;2025-08-01T09:00:00+07:00\n"
        "014190000001;Lê Thị Hà;ket_hon;01/08/2025;14;03979;KH-2;2025-08-01T10:00:00+07:00\n").encode("utf-8"))
    (drop / "hotich_20250802.csv").write_bytes(("\ufeff" + header +
        "014190000002;Trần Văn Nam;khai_tu;02/08/2025;14;03979;KT-3;2025-08-02T09:00:00+07:00\n"
        "broken;row\n"
        "014190000003;Phạm Thị Lan;khai_sinh;31/02/2025;14;03979;KS-4;2025-08-02T09:30:00+07:00\n").encode("utf-8"))
    (drop / "hotich_20250803.csv").write_bytes(header.encode("utf-8") + "Nguy\xe1n".encode("latin-1") + b"\n")
    declare(tmp_path, monkeypatch, "civil_status", f"""\
        civil_status:
          kind: file_drop
          stream: events
          mapping: civil_status.yaml
          pattern: "hotich_*.csv"
          encoding: utf-8-sig
          delimiter: ";"
        """, stream="events", key="SoDangKy", id_field="SoDinhDanh", name_field="HoTen", record_type="civil_event",
        updated="NgayCapNhat", fmt="ISO8601", province="MaTinh", commune="MaXa", event="NgayDangKy",
        event_fmt="%d/%m/%Y", attributes="LoaiSuKien")
    monkeypatch.setenv("LIENTHONG_CIVIL_STATUS_URL", f"file://{drop}")
    return drop


def test_a_file_drop_source_loads_every_row_and_rejects_bad_ones_with_reasons(civil_status_files, settings, engine):
    report = pipeline.sync_source("civil_status", settings)
    assert report.status == "succeeded"
    assert (report.fetched, report.loaded, report.quarantined) == (6, 3, 3)
    with engine.connect() as conn:
        reasons = sorted(conn.execute(select(quarantine.c.reason)).scalars())
        first = conn.execute(select(sectoral_record).where(sectoral_record.c.record_key == "KS-1")).mappings().one()
    assert any("2 fields, header has 8" in r for r in reasons)
    assert any("NgayDangKy: not a date" in r for r in reasons)
    assert any("not valid utf-8-sig" in r for r in reasons)
    assert first["subject_id_kind"] == "personal_id" and first["subject_id_hash"] != PERSON
    assert json.loads(first["attributes"]) == {"LoaiSuKien": "khai_sinh"}
    assert first["event_date"].isoformat() == "2025-08-01"


def test_a_file_drop_resumes_after_the_last_stored_file(civil_status_files, settings, engine):
    pipeline.sync_source("civil_status", settings)
    again = pipeline.sync_source("civil_status", settings)
    assert again.fetched == 0
    header = "SoDinhDanh;HoTen;LoaiSuKien;NgayDangKy;MaTinh;MaXa;SoDangKy;NgayCapNhat\n"
    (civil_status_files / "hotich_20250804.csv").write_text(
        header + "014190000009;Vũ Văn Sơn;khai_sinh;04/08/2025;14;03979;KS-9;2025-08-04T09:00:00+07:00\n",
        encoding="utf-8-sig")
    assert pipeline.sync_source("civil_status", settings).loaded == 1


@pytest.fixture
def insurance_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'bhxh.db'}"
    engine = create_engine(url)
    table = Table("bhxh_thamgia", MetaData(), Column("ma_so_bhxh", String, primary_key=True),
                  Column("so_dinh_danh", String), Column("ho_ten", String), Column("ma_tinh", String),
                  Column("ma_xa", String), Column("ngay_cap_nhat", DateTime), Column("trang_thai", String))
    table.metadata.create_all(engine)
    from datetime import datetime, timedelta
    start = datetime(2025, 8, 1, 8, 0)
    with engine.begin() as conn:
        conn.execute(insert(table), [
            {"ma_so_bhxh": f"BH{i:05d}", "so_dinh_danh": f"0141900{i:05d}", "ho_ten": "Đỗ Minh Tâm", "ma_tinh": "14",
             "ma_xa": "03979", "ngay_cap_nhat": start + timedelta(minutes=i // 3), "trang_thai": "dang_tham_gia"}
            for i in range(250)])
    declare(tmp_path, monkeypatch, "social_insurance", """\
        social_insurance:
          kind: sql
          stream: participants
          mapping: social_insurance.yaml
          table: bhxh_thamgia
          watermark_column: ngay_cap_nhat
          key_column: ma_so_bhxh
          batch_size: 100
        """, stream="participants", key="ma_so_bhxh", id_field="so_dinh_danh", name_field="ho_ten",
        record_type="insurance_participation", updated="ngay_cap_nhat", fmt="ISO8601", province="ma_tinh",
        commune="ma_xa", event="ngay_cap_nhat", event_fmt="ISO8601", attributes="trang_thai")
    monkeypatch.setenv("LIENTHONG_SOCIAL_INSURANCE_URL", url)
    return engine, table


def test_a_sql_source_reads_by_keyset_with_a_checkpoint_per_batch(insurance_db, settings, engine):
    report = pipeline.sync_source("social_insurance", settings)
    assert (report.fetched, report.loaded, report.batches) == (250, 250, 3)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sectoral_record)).scalar() == 250
        assert conn.execute(select(func.count()).select_from(batch_reconciliation)).scalar() == 3


def test_a_sql_source_rereads_only_the_overlap_on_the_next_run(insurance_db, settings, engine):
    pipeline.sync_source("social_insurance", settings)
    source_engine, table = insurance_db
    from datetime import datetime
    with source_engine.begin() as conn:
        conn.execute(insert(table).values(ma_so_bhxh="BH99999", so_dinh_danh="014190099999", ho_ten="X Y Z",
                                          ma_tinh="14", ma_xa="03979", ngay_cap_nhat=datetime(2025, 8, 1, 9, 30),
                                          trang_thai="moi"))
    again = pipeline.sync_source("social_insurance", settings)
    assert 1 <= again.fetched < 250
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sectoral_record)).scalar() == 251


@pytest.fixture
def land_registry(tmp_path, monkeypatch):
    parcels = [{"ma_thua_dat": f"TD-{i:04d}", "so_dinh_danh_chu": f"0011900{i:05d}", "ten_chu": "Hồ Văn Long",
                "ma_tinh": "01", "ma_xa": "00004", "ngay_cap_giay": "2025-07-15",
                "cap_nhat_luc": f"2025-08-01T{8 + i // 60:02d}:{i % 60:02d}:00+07:00", "dien_tich": str(100 + i)}
               for i in range(120)]
    app = FastAPI()

    @app.get("/api/v1/parcels")
    def page(limit: int = 50, cursor: str | None = None, x_api_key: str | None = Header(default=None)):
        if x_api_key != "land-key":
            raise HTTPException(401)
        start = int(cursor or 0)
        following = start + limit if start + limit < len(parcels) else None
        return {"data": parcels[start:start + limit], "next_cursor": str(following) if following else None}

    server = ThreadedServer(app).start()
    declare(tmp_path, monkeypatch, "land_registry", """\
        land_registry:
          kind: rest_cursor
          stream: parcels
          mapping: land_registry.yaml
          path: /api/v1/parcels
          limit: 50
          api_key_header: X-API-Key
          updated_since_param: updated_since
          watermark_field: cap_nhat_luc
        """, stream="parcels", key="ma_thua_dat", id_field="so_dinh_danh_chu", name_field="ten_chu",
        record_type="land_parcel", updated="cap_nhat_luc", fmt="ISO8601", province="ma_tinh", commune="ma_xa",
        event="ngay_cap_giay", event_fmt="%Y-%m-%d", attributes="dien_tich")
    monkeypatch.setenv("LIENTHONG_LAND_REGISTRY_URL", server.url)
    monkeypatch.setenv("LIENTHONG_LAND_REGISTRY_PASSWORD", "land-key")
    yield server
    server.stop()


def test_a_rest_cursor_source_follows_the_cursor_to_the_end(land_registry, settings, engine):
    report = pipeline.sync_source("land_registry", settings)
    assert (report.fetched, report.loaded, report.batches) == (120, 120, 3)
    with engine.connect() as conn:
        checkpoint = conn.execute(select(func.max(sectoral_record.c.updated_at))).scalar()
    assert checkpoint is not None
