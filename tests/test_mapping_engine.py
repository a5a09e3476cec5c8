"""The YAML mapping translates portal dossiers to canonical rows, or quarantines them with reasons."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from mappings.engine import Mapping, MappingError, FieldRule
from mappings.pii import PiiPolicy, hash_id, id_kind

KEY = b"k" * 32


def portal_dossier(**overrides) -> dict:
    record = {
        "MaHoSo": "H52.1-250710-0001", "MaTTHC": "1.001193.000.00.00.H52", "KenhThucHien": "2",
        "SoGiayToChuHoSo": "014190123456", "ChuHoSo": "Nguyễn Văn An", "SoDienThoai": "0912345678",
        "LoaiDoiTuong": "1", "NgayNopHoSo": "20250710073000", "NgayTiepNhan": "20250710080000",
        "NgayHenTra": "20250712170000", "TrangThaiHoSo": "4", "NgayKetThucXuLy": "", "NgayTra": "",
        "MaTinh": "14", "MaXa": "03979", "NgayCapNhat": "20250710090000", "HoSoCoThanhPhanSoHoa": "1",
        "TaiKhoanDuocXacThucVoiVNeID": "1", "DuocThanhToanTrucTuyen": "0",
        "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": "014190123456"}],
    }
    record.update(overrides)
    return record


@pytest.fixture(scope="module")
def mapping() -> Mapping:
    return Mapping.load("dvc_portal_dossiers.yaml")


def apply(mapping, *records):
    return mapping.apply([mapping.pii.scrub(r, KEY) for r in records])


def test_maps_a_portal_dossier_to_the_canonical_dossier(mapping):
    result = apply(mapping, portal_dossier())
    assert result.quarantined == []
    row = result.rows[0]
    assert row["dossier_id"] == "H52.1-250710-0001"
    assert row["province_code"] == "14" and row["commune_code"] == "03979"
    assert row["channel"] == "online" and row["status_code"] == 4 and row["subject_type"] == "citizen"
    # 08:00 in Hanoi is 01:00 UTC; the local day is kept for day-based metrics
    assert row["received_at"] == datetime(2025, 7, 10, 1, 0, tzinfo=timezone.utc)
    assert row["received_date"] == date(2025, 7, 10)
    assert row["finished_at"] is None
    assert row["has_digitised_component"] is True and row["online_payment"] == 0


def test_a_receipt_late_in_the_local_evening_stays_on_its_local_day(mapping):
    row = apply(mapping, portal_dossier(NgayTiepNhan="20250710233000")).rows[0]
    assert row["received_at"].date() == date(2025, 7, 10) and row["received_at"].hour == 16
    assert row["received_date"] == date(2025, 7, 10)


def test_receipt_falls_back_to_submission_time(mapping):
    row = apply(mapping, portal_dossier(NgayTiepNhan="")).rows[0]
    assert row["received_at"] == datetime(2025, 7, 10, 0, 30, tzinfo=timezone.utc)


def test_pre_merger_and_portal_province_codes_land_on_the_new_unit(mapping):
    rows = apply(mapping, portal_dossier(MaHoSo="H29.1-250710-0001", MaTinh="74", MaXa="25747"),
                 portal_dossier(MaHoSo="H29.1-250710-0002", MaTinh="H29", MaXa="25747")).rows
    assert [r["province_code"] for r in rows] == ["79", "79"]
    assert rows[0]["province_code_as_received"] == "74"


def test_bad_records_are_quarantined_with_every_reason_and_good_ones_still_load(mapping):
    result = apply(
        mapping,
        portal_dossier(MaHoSo="A-1", TrangThaiHoSo="11"),
        portal_dossier(MaHoSo="A-2", NgayTiepNhan="", NgayNopHoSo=""),
        portal_dossier(MaHoSo="A-3", MaTinh="99", MaXa="99999"),
        portal_dossier(MaHoSo="A-4", NgayTiepNhan="2025-07-10", KenhThucHien="9"),
        portal_dossier(MaHoSo="A-5", TrangThaiHoSo={"x": 1}),
        portal_dossier(MaHoSo="A-6"),
    )
    reasons = dict(result.quarantined)
    assert "TrangThaiHoSo: outside 1..10" in reasons[0]
    assert "NgayTiepNhan/NgayNopHoSo: required value missing" in reasons[1]
    assert "MaTinh: unknown province code" in reasons[2] and "MaXa: unknown commune code" in reasons[2]
    assert "not a date" in reasons[3] and "KenhThucHien: unknown code" in reasons[3]
    assert "expected a single value" in reasons[4]
    assert [r["dossier_id"] for r in result.rows] == ["A-6"]


def test_missing_channel_is_kept_as_unknown_not_dropped(mapping):
    assert apply(mapping, portal_dossier(KenhThucHien="")).rows[0]["channel"] == "unknown"


def test_text_is_normalised_to_nfc_and_trimmed(mapping):
    nfd_name = "Thu\u0309 tu\u0323c"  # "Thủ tục" in decomposed form
    row = apply(mapping, portal_dossier(MaHoSo="  H52.1-250710-0001 ", MaTTHC=nfd_name)).rows[0]
    assert row["dossier_id"] == "H52.1-250710-0001"
    assert row["procedure_code"] == "Thủ tục"


def test_personal_data_is_hashed_or_dropped_before_anything_else_sees_it(mapping):
    clean = mapping.pii.scrub(portal_dossier(), KEY)
    assert "ChuHoSo" not in clean and "SoDienThoai" not in clean
    assert clean["SoGiayToChuHoSo"] == hash_id("014190123456", KEY) != "014190123456"
    assert clean["SoGiayToChuHoSo__kind"] == "personal_id"
    assert clean["DinhDanhCHS"][0]["SoDinhDanh"] == clean["SoGiayToChuHoSo"]
    assert "014190123456" not in repr(clean)


@pytest.mark.parametrize("value,kind", [
    ("014190123456", "personal_id"), ("123456789", "id_card_9"), ("000000001", "placeholder"),
    ("999190123456", "invalid"), ("B1234567", "other"), ("", "missing"), (None, "missing"),
])
def test_identifier_shapes_are_classified(value, kind):
    assert id_kind(value) == kind


def test_the_hash_is_keyed(mapping):
    assert hash_id("014190123456", b"a" * 32) != hash_id("014190123456", b"b" * 32)


def test_a_mapping_with_an_unknown_type_or_code_list_is_rejected():
    with pytest.raises(MappingError):
        FieldRule.parse("x", {"from": "X", "type": "money"})
    with pytest.raises(MappingError):
        FieldRule.parse("x", {"from": "X", "type": "code", "codes": "nope"})


def test_an_empty_batch_maps_to_nothing(mapping):
    result = mapping.apply([])
    assert result.rows == [] and result.quarantined == []


def test_pii_policy_parses_nested_fields():
    policy = PiiPolicy.from_spec({"hash": ["A", "L[].B"], "drop": ["N"]})
    assert policy.hash_fields == ("A",) and policy.nested_hash == (("L", "B"),) and policy.drop_fields == ("N",)


def test_paths_reach_into_lists_and_children_explode_nested_lists(tmp_path):
    (tmp_path / "catalogue.yaml").write_text("""
source: t
stream: procedures
target: procedure
record_key: MATTHC
fields:
  procedure_code: {from: MATTHC, type: string, required: true}
  field_code: {from: "LINHVUCTHUCHIEN[0].MALINHVUC", type: string}
children:
  - from: "THANHPHANHOSO[].GIAYTO"
    target: procedure_component
    fields:
      procedure_code: {type: parent, field: procedure_code}
      component_code: {from: MAGIAYTO, type: string, required: true}
""", encoding="utf-8")
    mapping = Mapping.load(tmp_path / "catalogue.yaml")
    result = mapping.apply([
        {"MATTHC": "P1", "LINHVUCTHUCHIEN": [{"MALINHVUC": "HT"}, {"MALINHVUC": "X"}],
         "THANHPHANHOSO": [{"TRUONGHOP": "a", "GIAYTO": [{"MAGIAYTO": "C1"}, {"MAGIAYTO": "C2"}]},
                           {"TRUONGHOP": "b", "GIAYTO": [{"MAGIAYTO": "C1"}]}]},
        {"MATTHC": "P2", "LINHVUCTHUCHIEN": [], "THANHPHANHOSO": [{"GIAYTO": "not a list"}]},
    ])
    assert result.rows == [{"procedure_code": "P1", "field_code": "HT"}]
    assert [c["component_code"] for c in result.children["procedure_component"]] == ["C1", "C2", "C1"]
    assert result.quarantined == [(1, "THANHPHANHOSO[].GIAYTO: expected a list of objects")]
