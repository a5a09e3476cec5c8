"""Expectations over canonical dossiers, each tagged with its dimension.

Dimensions (MOST's reading of the slogan, seeds 003): đúng = correct (100 %, 95 % is not
enough), đủ = complete, sạch = clean (no errors, no duplicates), sống = live (kept up to date).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import great_expectations as gx

from quality.suites import DatasetSuite

SUITE_NAME = "dossier_dung_du_sach_song"
FRESHNESS = timedelta(hours=26)  # a daily sync plus slack
DOSSIER_NUMBER = r"^H\d{2}(?:\.[0-9A-Za-z]+)*-\d{6}-\d{4,}$"


def _e(expectation, dimension: str, vi: str, en: str):
    expectation.meta = {"dimension": dimension, "description_vi": vi, "description_en": en}
    return expectation


def dossier_expectations(now: datetime) -> list:
    E = gx.expectations
    return [
        _e(E.ExpectColumnValuesToBeBetween(column="status_code", min_value=1, max_value=10), "dung",
           "Trạng thái hồ sơ thuộc danh mục 1–10", "Dossier status is in the code list 1–10"),
        _e(E.ExpectColumnValuesToBeInSet(column="channel", value_set=["online", "direct", "postal", "unknown"]), "dung",
           "Kênh nộp hồ sơ hợp lệ", "Filing channel is a known value"),
        _e(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="finished_at", column_B="received_at", or_equal=True,
                                                      ignore_row_if="either_value_is_missing"), "dung",
           "Ngày kết thúc xử lý không sớm hơn ngày tiếp nhận", "Processing does not finish before receipt"),
        _e(E.ExpectColumnValuesToBeInSet(column="owner_id_kind", value_set=["personal_id"]), "dung",
           "Giấy tờ của chủ hồ sơ là số định danh cá nhân 12 số hợp lệ",
           "The owner's document is a valid 12-digit personal ID"),
        _e(E.ExpectColumnValuesToBeBetween(column="updated_at", max_value=now), "dung",
           "Không có thời điểm cập nhật trong tương lai", "No update time lies in the future"),
        _e(E.ExpectColumnValuesToNotBeNull(column="commune_code"), "du",
           "Hồ sơ có mã xã tiếp nhận", "The receiving commune is known"),
        _e(E.ExpectColumnValuesToNotBeNull(column="procedure_code"), "du",
           "Hồ sơ có mã thủ tục hành chính", "The procedure code is present"),
        _e(E.ExpectColumnValuesToNotBeNull(column="due_at", mostly=0.95), "du",
           "Hồ sơ có ngày hẹn trả (≥ 95 %)", "Dossiers carry a due date (at least 95 %)"),
        _e(E.ExpectColumnValuesToBeUnique(column="dossier_id"), "sach",
           "Mã hồ sơ không trùng lặp", "Dossier numbers are unique"),
        _e(E.ExpectColumnValuesToMatchRegex(column="dossier_id", regex=DOSSIER_NUMBER), "sach",
           "Mã hồ sơ đúng định dạng {mã đơn vị}-{yyMMdd}-{số thứ tự}",
           "Dossier numbers follow {unit}-{yyMMdd}-{sequence}"),
        _e(E.ExpectColumnMaxToBeBetween(column="loaded_at", min_value=now - FRESHNESS, max_value=now), "song",
           "Dữ liệu được đồng bộ trong vòng 26 giờ qua", "Data was synchronised within the last 26 hours"),
    ]


DOSSIER_SUITE = DatasetSuite(dataset="dossier", name=SUITE_NAME, partition_column="received_date",
                             change_column="loaded_at", expectations=dossier_expectations)
