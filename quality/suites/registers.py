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
    # the ${register} and ${event} of the registers' entries in texts.yaml
    values = {"vi": {"register": register_vi, "event": event_vi, "Event": event_vi.capitalize()},
              "en": {"register": register_en, "event": event_en}}

    def expectations(now: datetime) -> list:
        return [
            tagged(E.ExpectColumnValuesToBeInSet(column="subject_id_kind", value_set=["personal_id"]), "dung",
                   "register_subject_personal_id", values=values),
            present("commune_code", "register_commune_present", values=values),
            present("event_date", "register_event_date_present", values=values),
            no_rows_where(NAMES_NOT_NFC, "sach", "register_names_nfc", values=values),
            no_rows_where("SELECT * FROM {batch} WHERE event_date IS NOT NULL AND event_date < '1900-01-01'", "sach",
                          "register_event_date_after_1900", values=values),
        ]
    return expectations


def verification_outcomes(tables: Tables):
    """Verifications dated by the day they were made; a register fault judges nothing (NULL)."""
    verification = tables["citizen_verification"]
    return select(verification, func.nullif(verification.c.outcome, "fault").label("verdict"),
                  day_of(verification.c.updated_at).label("verified_date")).subquery("citizen_verification_checked")


def verification_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToBeInSet(column="verdict", value_set=["match"]), "dung", "owner_matches_register"),
        tagged(E.ExpectColumnValuesToNotBeInSet(column="outcome", value_set=["malformed_id"]), "sach",
               "verification_id_well_formed"),
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
