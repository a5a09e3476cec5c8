"""Warehouse behaviour on SQLite and PostgreSQL: migrations, crosswalks, children, versions, roles."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from connectors.base import Batch, Checkpoint
from hub.pipeline import upgrade_warehouse
from hub.pipeline import ingest_batch
from hub.warehouse.roles import grant_dashboard_role
from hub.warehouse.schema import (admin_commune, admin_commune_crosswalk, admin_province, dossier, dossier_attachment,
                                  quarantine, sync_checkpoint)
from mappings.engine import Mapping
from tests.test_mapping_engine import portal_dossier

KEY = b"warehouse-test-key"


@pytest.fixture
def mapping():
    return Mapping.load("dvc_portal_dossiers.yaml")


def _store(engine, mapping, records, batch_no=1, checkpoint=None):
    return ingest_batch(engine, load_id=f"load-{batch_no}", batch_no=batch_no, source="dvc_portal", mapping=mapping,
                        batch=Batch("dossiers", "H52", records, checkpoint), pii_key=KEY)


def _attachment(n: int, **changes) -> dict:
    return {"TepDinhKemId": f"T-{n}", "MaThanhPhanHoSo": "GT-CCCD", "IsDeleted": "0", "DuocSoHoa": "1",
            "DuocTaiSuDung": "1", "DuocLayTuKhoDMQG": "0", **changes}


def test_upgrade_creates_everything_and_loads_the_reference_units(engine, settings):
    upgrade_warehouse(settings)  # a second upgrade is harmless
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(admin_province)).scalar() == 34
        assert conn.execute(select(func.count()).select_from(admin_commune)).scalar() == 3321
        assert conn.execute(select(func.count()).select_from(admin_commune_crosswalk)).scalar() > 10_000
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0007"


def test_a_pre_merger_commune_code_lands_on_its_new_commune(engine, mapping):
    # 00001 Phường Phúc Xá (Ba Đình) was merged whole into the new Phường Hồng Hà (00097) on 1 July 2025.
    _store(engine, mapping, [portal_dossier(MaHoSo="H26.1-250620-0001", MaTinh="01", MaXa="00001",
                                            NgayTiepNhan="20250620080000", NgayNopHoSo="20250620073000")])
    with engine.connect() as conn:
        row = conn.execute(select(dossier.c.commune_code, dossier.c.commune_code_as_received)).one()
    assert tuple(row) == ("00097", "00001")


def test_a_reused_commune_code_means_the_old_unit_before_the_merger_and_the_new_one_after(engine, mapping):
    # 00004 was Phường Trúc Bạch before July 2025 (merged into Ba Đình, 00004 again) ...
    # ... so both readings land on 00004; a code that only existed before needs the crosswalk.
    before = portal_dossier(MaHoSo="H26.1-250620-0002", MaTinh="01", MaXa="00004", NgayTiepNhan="20250620080000")
    after = portal_dossier(MaHoSo="H26.1-250720-0003", MaTinh="01", MaXa="00004", NgayTiepNhan="20250720080000")
    _store(engine, mapping, [before, after])
    with engine.connect() as conn:
        codes = conn.execute(select(dossier.c.commune_code).order_by(dossier.c.dossier_id)).scalars().all()
    assert codes == ["00004", "00004"]


def test_an_unknown_commune_code_is_quarantined_with_its_reason(engine, mapping):
    outcome = _store(engine, mapping, [portal_dossier(MaXa="99999")])
    assert (outcome.loaded, outcome.quarantined) == (0, 1)
    with engine.connect() as conn:
        assert "MaXa: unknown commune code" in conn.execute(select(quarantine.c.reason)).scalar()


def test_attachments_are_loaded_with_their_dossier_and_replaced_as_a_set(engine, mapping):
    first = portal_dossier(TaiLieuNop=[_attachment(1), _attachment(2)], NgayCapNhat="20250710090000")
    _store(engine, mapping, [first])
    second = portal_dossier(TaiLieuNop=[_attachment(2, IsDeleted="1")], NgayCapNhat="20250711090000")
    _store(engine, mapping, [second], batch_no=2)
    with engine.connect() as conn:
        rows = conn.execute(select(dossier_attachment.c.attachment_id, dossier_attachment.c.is_deleted,
                                   dossier_attachment.c.reuse_state)).all()
    assert [tuple(r) for r in rows] == [("T-2", True, 1)]


def test_a_bad_attachment_quarantines_its_whole_dossier(engine, mapping):
    outcome = _store(engine, mapping, [portal_dossier(TaiLieuNop=[_attachment(1, DuocTaiSuDung="9")])])
    assert (outcome.loaded, outcome.quarantined) == (0, 1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(dossier_attachment)).scalar() == 0
        assert "TaiLieuNop[]: DuocTaiSuDung: unknown code" in conn.execute(select(quarantine.c.reason)).scalar()


def test_an_older_version_arriving_late_never_overwrites_a_newer_one(engine, mapping):
    newer = portal_dossier(TrangThaiHoSo="9", NgayCapNhat="20250715090000", TaiLieuNop=[_attachment(1)])
    older = portal_dossier(TrangThaiHoSo="4", NgayCapNhat="20250710090000", TaiLieuNop=[])
    _store(engine, mapping, [newer])
    _store(engine, mapping, [older], batch_no=2)
    with engine.connect() as conn:
        assert conn.execute(select(dossier.c.status_code)).scalar() == 9
        assert conn.execute(select(func.count()).select_from(dossier_attachment)).scalar() == 1


def test_the_checkpoint_commits_with_its_batch(engine, mapping):
    _store(engine, mapping, [portal_dossier()], checkpoint=Checkpoint("dossiers", "H52", "20250801000000"))
    with engine.connect() as conn:
        assert conn.execute(select(sync_checkpoint.c.value)).scalar() == "20250801000000"


@pytest.mark.postgres
def test_the_dashboard_role_reads_metrics_and_nothing_else(pg_url, tmp_path):
    from hub.settings import Settings

    settings = Settings(var_dir=tmp_path, db_url=pg_url, pii_key=KEY)
    upgrade_warehouse(settings)
    owner = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"))
    role = f"dash_{make_url(pg_url).database[-12:]}"
    try:
        grant_dashboard_role(owner, role)
        dashboard = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg", username=role))
        with dashboard.connect() as conn:
            conn.execute(text("SELECT count(*) FROM metric_online_filing_rate"))
        with dashboard.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.execute(text("SELECT count(*) FROM dossier"))
        dashboard.dispose()
    finally:
        with owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        owner.dispose()
    assert "metric_online_filing_rate" in inspect(owner).get_table_names()


def test_a_pre_merger_commune_split_across_new_communes_keeps_the_dossier_without_a_commune(engine, mapping):
    # 00019 Phường Điện Biên (Ba Đình) was divided between four new wards: it cannot be attributed.
    outcome = _store(engine, mapping, [portal_dossier(MaHoSo="H26.1-250620-0009", MaTinh="01", MaXa="00019",
                                                      NgayTiepNhan="20250620080000")])
    assert (outcome.loaded, outcome.quarantined) == (1, 0)
    with engine.connect() as conn:
        row = conn.execute(select(dossier.c.province_code, dossier.c.commune_code,
                                  dossier.c.commune_code_as_received)).one()
    assert tuple(row) == ("01", None, "00019")


def test_an_oversized_record_is_quarantined_by_size_without_its_bulk(engine, mapping):
    huge = portal_dossier(MaHoSo="H52.1-250710-0077", TrichYeuHoSo="x" * (2 << 20))
    outcome = _store(engine, mapping, [huge, portal_dossier()])
    assert (outcome.fetched, outcome.loaded, outcome.quarantined) == (2, 1, 1)
    with engine.connect() as conn:
        reason, payload = conn.execute(select(quarantine.c.reason, quarantine.c.payload)).one()
    assert "exceeds the 1,048,576 limit" in reason and len(payload) < 1000
    assert "H52.1-250710-0077" in payload
