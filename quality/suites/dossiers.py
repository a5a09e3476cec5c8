"""Expectations over canonical dossiers, each tagged with its dimension.

Dimensions (MOST's reading of the slogan, seeds 003): đúng = correct (100 %, 95 % is not
enough), đủ = complete, sạch = clean (no errors, no duplicates), sống = live (kept up to date).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import great_expectations as gx

from quality.suites import DatasetSuite, no_rows_where, not_placeholder, present, tagged

SUITE_NAME = "dossier_dung_du_sach_song"
FRESHNESS = timedelta(hours=26)  # a daily sync plus slack
# Open when the hub last loaded it, due before that, and no status change since the due date. Judged
# against the load time, not the check time, so a day's answer changes only when its data does.
OVERDUE_WITHOUT_UPDATE = ("SELECT * FROM {batch} WHERE finished_at IS NULL AND due_at < loaded_at "
                          "AND updated_at < due_at")
# Received under the two-level units (from 1 July 2025), a dossier's commune is one of the 3,321 communes.
PRE_MERGER_COMMUNE = ("SELECT * FROM {batch} WHERE received_date >= '2025-07-01' "
                      "AND commune_code_as_received IS NOT NULL "
                      "AND commune_code_as_received NOT IN (SELECT code FROM admin_commune)")
# Judged once the catalogue is in the warehouse: before its first sync every dossier would fail. A day is
# judged again when its dossiers change (a catalogue reload alone does not re-check the days).
PROCEDURE_NOT_IN_CATALOGUE = ("SELECT * FROM {batch} WHERE procedure_code NOT IN (SELECT procedure_code FROM procedure) "
                              "AND EXISTS (SELECT 1 FROM procedure)")
DOSSIER_NUMBER = r"^H\d{2}(?:\.[0-9A-Za-z]+)*-\d{6}-\d{4,}$"

_e = tagged


FIX_IN_PORTAL = ("Cán bộ một cửa rà soát và sửa hồ sơ này trên Hệ thống thông tin giải quyết TTHC của tỉnh, "
                 "rồi đồng bộ lại lên Cổng DVC quốc gia.")
FIX_IN_PORTAL_EN = "One-stop staff review and correct the dossier in the province's system, then sync it again."


def dossier_expectations(now: datetime) -> list:
    E = gx.expectations
    return [
        _e(E.ExpectColumnValuesToBeBetween(column="status_code", min_value=1, max_value=10), "dung",
           "Trạng thái hồ sơ thuộc danh mục 1–10", "Dossier status is in the code list 1–10", critical=True,
           action_vi="Sửa trạng thái theo danh mục trạng thái hồ sơ (1–10) của Cổng DVC quốc gia. " + FIX_IN_PORTAL,
           action_en="Use the portal's status code list (1–10). " + FIX_IN_PORTAL_EN),
        _e(E.ExpectColumnValuesToBeInSet(column="channel", value_set=["online", "direct", "postal", "unknown"]), "dung",
           "Kênh nộp hồ sơ hợp lệ", "Filing channel is a known value",
           action_vi="Ghi kênh nộp là trực tuyến, trực tiếp hoặc bưu chính.",
           action_en="Record the channel as online, in person or postal."),
        _e(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="finished_at", column_B="received_at", or_equal=True,
                                                      ignore_row_if="either_value_is_missing"), "dung",
           "Ngày kết thúc xử lý không sớm hơn ngày tiếp nhận", "Processing does not finish before receipt",
           action_vi="Kiểm tra lại ngày tiếp nhận và ngày kết thúc xử lý. " + FIX_IN_PORTAL,
           action_en="Check the receipt and completion dates. " + FIX_IN_PORTAL_EN),
        _e(E.ExpectColumnValuesToBeInSet(column="owner_id_kind", value_set=["personal_id", "id_card_9"]), "dung",
           "Số giấy tờ của chủ hồ sơ đúng cấu trúc (định danh cá nhân 12 số hoặc CMND 9 số)",
           "The owner's ID is well-formed (a 12-digit personal ID or a 9-digit ID card)",
           action_vi="Sửa số giấy tờ nhập sai (thiếu số, lẫn chữ cái) theo giấy tờ gốc của công dân.",
           action_en="Correct mistyped IDs (digits missing, letters) from the citizen's document."),
        _e(E.ExpectColumnValuesToBeInSet(column="owner_id_kind", value_set=["personal_id"]), "dung",
           "Giấy tờ của chủ hồ sơ là số định danh cá nhân 12 số hợp lệ",
           "The owner's document is a valid 12-digit personal ID",
           action_vi="Nhập đúng số định danh cá nhân 12 số của chủ hồ sơ (đối chiếu CSDL quốc gia về dân cư).",
           action_en="Enter the owner's 12-digit personal ID, checked against the population register."),
        _e(E.ExpectColumnValuesToBeBetween(column="updated_at", max_value=now), "dung",
           "Không có thời điểm cập nhật trong tương lai", "No update time lies in the future",
           action_vi="Kiểm tra đồng hồ máy chủ và ngày nhập trên hệ thống của tỉnh.",
           action_en="Check the clock and the dates entered in the province's system."),
        present("commune_code", "Hồ sơ có mã xã tiếp nhận", "The receiving commune is known",
                action_vi="Ghi mã xã (mã đơn vị hành chính sau sắp xếp) nơi tiếp nhận hồ sơ.",
                action_en="Record the receiving commune's code (post-merger units)."),
        no_rows_where(PRE_MERGER_COMMUNE, "dung", "Hồ sơ tiếp nhận từ 01/7/2025 mang mã xã của đơn vị hành chính mới",
                      "Dossiers received from 1 July 2025 carry a commune code of the new units",
                      action_vi="Cập nhật danh mục đơn vị hành chính trên hệ thống của tỉnh theo sắp xếp từ 01/7/2025.",
                      action_en="Update the province system's unit list to the units in force since 1 July 2025."),
        no_rows_where(PROCEDURE_NOT_IN_CATALOGUE, "du",
                      "Thủ tục của hồ sơ có trong Cơ sở dữ liệu thủ tục hành chính quốc gia",
                      "The dossier's procedure is in the national procedure catalogue",
                      action_vi="Dùng mã thủ tục đã công bố trên Cơ sở dữ liệu quốc gia về thủ tục hành chính.",
                      action_en="Use the procedure code published in the national procedure catalogue."),
        present("procedure_code", "Hồ sơ có mã thủ tục hành chính", "The procedure code is present",
                action_vi="Gắn hồ sơ với mã TTHC trong CSDL quốc gia về TTHC.",
                action_en="Link the dossier to its procedure code in the national catalogue."),
        present("due_at", "Hồ sơ có ngày hẹn trả (≥ 95 %)", "Dossiers carry a due date (at least 95 %)", mostly=0.95,
                action_vi="Ghi ngày hẹn trả kết quả trên phiếu tiếp nhận.",
                action_en="Record the promised return date on the receipt."),
        _e(E.ExpectColumnValuesToBeUnique(column="dossier_id"), "sach",
           "Mã hồ sơ không trùng lặp", "Dossier numbers are unique", critical=True,
           action_vi="Mỗi hồ sơ một mã duy nhất; gộp hoặc xoá bản trùng.",
           action_en="One number per dossier: merge or remove the copies."),
        _e(E.ExpectColumnValuesToMatchRegex(column="dossier_id", regex=DOSSIER_NUMBER), "sach",
           "Mã hồ sơ đúng định dạng {mã đơn vị}-{yyMMdd}-{số thứ tự}",
           "Dossier numbers follow {unit}-{yyMMdd}-{sequence}",
           action_vi="Cấp mã hồ sơ theo định dạng {mã đơn vị}-{yyMMdd}-{số thứ tự} của Cổng DVC quốc gia.",
           action_en="Number dossiers as {unit}-{yyMMdd}-{sequence}."),
        not_placeholder("procedure_code", "Mã thủ tục không phải giá trị giữ chỗ (\"N/A\", \"0\", \"Chưa có\")",
                        "The procedure code is not a placeholder (\"N/A\", \"0\", \"Chưa có\")",
                        action_vi="Thay giá trị giữ chỗ bằng mã TTHC thật.",
                        action_en="Replace the placeholder with the real procedure code."),
        _e(E.ExpectColumnValuesToBeInSet(column="text_nfc", value_set=[True]), "sach",
           "Văn bản (tên thủ tục, trích yếu, đơn vị xử lý) được mã hoá Unicode dựng sẵn (NFC)",
           "Free text (procedure name, summary, handling unit) is Unicode NFC",
           action_vi="Dùng bảng mã Unicode dựng sẵn (NFC) trên hệ thống của tỉnh; chuyển đổi dữ liệu cũ "
                     "được gõ bằng Unicode tổ hợp.",
           action_en="Store text as precomposed Unicode (NFC) in the province's system; convert old entries."),
        no_rows_where(OVERDUE_WITHOUT_UPDATE, "song", "Hồ sơ quá hạn trả mà không được cập nhật trạng thái từ ngày hẹn",
                      "Overdue dossiers carry a status update since their due date",
                      action_vi="Cập nhật tiến độ xử lý (gia hạn, xin lỗi, trả kết quả) cho hồ sơ đã quá hạn.",
                      action_en="Update overdue dossiers' progress (extension, apology letter, result)."),
        _e(E.ExpectColumnMaxToBeBetween(column="loaded_at", min_value=now - FRESHNESS, max_value=now), "song",
           "Dữ liệu được đồng bộ trong vòng 26 giờ qua", "Data was synchronised within the last 26 hours",
           action_vi="Kiểm tra kết nối đồng bộ của tỉnh với Cổng DVC quốc gia trước 16:00 hằng ngày.",
           action_en="Check the province's daily sync with the portal (before 16:00)."),
    ]


DOSSIER_SUITE = DatasetSuite(dataset="dossier", name=SUITE_NAME, partition_column="received_date",
                             change_column="loaded_at", expectations=dossier_expectations,
                             quarantine_streams=(("dvc_portal", "dossiers"),))
