"""The sectoral registers' datasets (land parcels, civil-status events, insurance participants) and the
population register's verifications of dossier owners."""
from __future__ import annotations

from datetime import datetime

import great_expectations as gx
from sqlalchemy import func, select

from quality.suites import DatasetSuite, Tables, day_of, no_rows_where, present, tagged

E = gx.expectations
# Names are dropped as personal data; the mapping keeps "<name field>__nfc": "False" in the attribute
# bag when one did not come in Unicode NFC (mappings/pii.py).
NAMES_NOT_NFC = r"""SELECT * FROM {batch} WHERE attributes LIKE '%\_\_nfc": "False"%' ESCAPE '\'"""


def _records_of(source: str):
    """One source's rows of the shared sectoral table, dated by their event (else their last update)."""
    def selection(tables: Tables):
        record = tables["sectoral_record"]
        return (select(record, func.coalesce(record.c.event_date, day_of(record.c.updated_at)).label("record_date"))
                .where(record.c.source == source).subquery(f"{source}_checked"))
    return selection


def _register_expectations(register_vi: str, register_en: str, event_vi: str, event_en: str):
    fix_vi = f"Cơ quan quản lý {register_vi} rà soát và cập nhật bản ghi trên hệ thống của ngành."
    fix_en = f"The {register_en} office reviews and corrects the record in its system."

    def expectations(now: datetime) -> list:
        return [
            tagged(E.ExpectColumnValuesToBeInSet(column="subject_id_kind", value_set=["personal_id"]), "dung",
                   "Người liên quan được ghi bằng số định danh cá nhân 12 số",
                   "The person is identified by a 12-digit personal ID",
                   action_vi="Thay số CMND 9 số bằng số định danh cá nhân 12 số. " + fix_vi,
                   action_en="Replace 9-digit ID cards with the 12-digit personal ID. " + fix_en),
            present("commune_code", "Bản ghi có mã xã hợp lệ (đơn vị hành chính sau sắp xếp)",
                    "The record names a valid (post-merger) commune",
                    action_vi="Cập nhật mã xã theo danh mục đơn vị hành chính mới. " + fix_vi,
                    action_en="Use the post-merger commune codes. " + fix_en),
            present("event_date", f"Bản ghi có {event_vi}", f"The record carries its {event_en}",
                    action_vi=fix_vi, action_en=fix_en),
            no_rows_where(NAMES_NOT_NFC, "sach", "Họ tên được mã hoá Unicode dựng sẵn (NFC)", "Names are Unicode NFC",
                          action_vi="Dùng bảng mã Unicode dựng sẵn (NFC) trên hệ thống của ngành; chuyển đổi dữ liệu "
                                    "cũ được gõ bằng Unicode tổ hợp. " + fix_vi,
                          action_en="Store names as precomposed Unicode (NFC); convert old entries. " + fix_en),
            no_rows_where("SELECT * FROM {batch} WHERE event_date IS NOT NULL AND event_date < '1900-01-01'", "sach",
                          f"{event_vi.capitalize()} không trước năm 1900", f"The {event_en} is not before 1900",
                          action_vi=fix_vi, action_en=fix_en),
        ]
    return expectations


def verification_outcomes(tables: Tables):
    """Verifications dated by the day they were made; a register fault judges nothing (NULL)."""
    verification = tables["citizen_verification"]
    return select(verification, func.nullif(verification.c.outcome, "fault").label("verdict"),
                  day_of(verification.c.updated_at).label("verified_date")).subquery("citizen_verification_checked")


def verification_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToBeInSet(column="verdict", value_set=["match"]), "dung",
               "Chủ hồ sơ khớp với CSDL quốc gia về dân cư (số định danh, họ tên, ngày sinh)",
               "Dossier owners match the population register (ID, name, birth date)",
               action_vi="Cán bộ tiếp nhận đối chiếu thông tin chủ hồ sơ với CSDL quốc gia về dân cư "
                         "(qua VNeID) và sửa sai lệch.",
               action_en="Reception staff check the owner against the population register (VNeID) and correct it."),
        tagged(E.ExpectColumnValuesToNotBeInSet(column="outcome", value_set=["malformed_id"]), "sach",
               "Số định danh gửi đi xác thực đúng cấu trúc", "IDs sent for verification are well-formed",
               action_vi="Nhập đúng số định danh cá nhân 12 số.", action_en="Enter the 12-digit personal ID."),
    ]


def _register_suite(dataset: str, source: str, stream: str, register_vi: str, register_en: str, event_vi: str,
                    event_en: str) -> DatasetSuite:
    """A register's dataset: its source's rows of sectoral_record, read from ``stream``, dated by the event."""
    return DatasetSuite(
        dataset=dataset, name=f"{dataset}_dung_du_sach_song", partition_column="record_date",
        change_column="loaded_at", expectations=_register_expectations(register_vi, register_en, event_vi, event_en),
        selection=_records_of(source), key_column="record_key", quarantine_streams=((source, stream),))


LAND_SUITE = _register_suite("land_parcel", "land_registry", "thua_dat",
                             "đất đai", "land registry", "ngày cấp giấy chứng nhận", "certificate date")
CIVIL_STATUS_SUITE = _register_suite("civil_status_event", "civil_status", "hotich",
                                     "hộ tịch", "civil status", "ngày xảy ra sự kiện", "event date")
INSURANCE_SUITE = _register_suite("insurance_participant", "social_insurance", "tham_gia_bhxh", "bảo hiểm xã hội",
                                  "social insurance", "ngày bắt đầu tham gia", "participation start date")
VERIFICATION_SUITE = DatasetSuite(
    dataset="citizen_verification", name="citizen_verification_dung_du_sach_song", partition_column="verified_date",
    change_column="loaded_at", expectations=verification_expectations, selection=verification_outcomes,
    province_column=None, commune_column=None, key_column=None)
