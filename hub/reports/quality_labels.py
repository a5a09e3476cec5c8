"""Labels of the data-quality report, Vietnamese (default) and English."""
from __future__ import annotations

QUALITY_LABELS = {
    "vi": {
        "title": "Báo cáo chất lượng dữ liệu: đúng, đủ, sạch, sống",
        "intro": "Dữ liệu dùng chung phải đạt 100 % đúng, đủ, sạch, sống. Điểm = tỷ lệ bản ghi đạt mọi kiểm tra "
                 "của tiêu chí; bản ghi bị cách ly khi nạp được tính là không đạt.",
        "generated": "Thời điểm lập báo cáo",
        "dung": "Đúng", "du": "Đủ", "sach": "Sạch", "song": "Sống",
        "scorecard": "Bảng điểm theo nguồn và tỉnh",
        "source": "Nguồn", "province": "Tỉnh/thành phố", "commune": "Xã/phường", "rows": "Số bản ghi",
        "unknown_unit": "(không xác định: bản ghi bị cách ly hoặc dữ liệu không theo đơn vị)",
        "trend": "Diễn biến điểm theo ngày (toàn quốc)",
        "worst_communes": "Các xã có điểm thấp nhất",
        "worst_procedures": "Các thủ tục có tỷ lệ hồ sơ lỗi cao nhất",
        "procedure": "Mã thủ tục", "checked": "Đã kiểm tra", "failing": "Không đạt", "score": "Điểm (%)",
        "failed_checks": "Các kiểm tra không đạt và việc cần làm",
        "dataset": "Tập dữ liệu", "dimension": "Tiêu chí", "meaning": "Ý nghĩa", "examples": "Ví dụ (đã che dữ liệu cá nhân)",
        "action": "Địa phương cần làm", "critical": "Nghiêm trọng: chặn công bố số liệu",
        "meaning_rows": "{failing} trên {checked} bản ghi ({percent} %) không đạt: {description}.",
        "meaning_aggregate": "Không đạt: {description} (giá trị quan sát: {observed}).",
        "rejected": "Bản ghi bị cách ly khi nạp",
        "rejected_rows": "Số bản ghi bị cách ly", "reason": "Ví dụ lý do",
        "not_checked": "Tập dữ liệu chưa được kiểm tra",
        "why": "Lý do",
        "all_passed": "Mọi kiểm tra đều đạt.",
        "no_data": "Chưa có dữ liệu",
        "data_docs": "Tài liệu kỹ thuật của các bộ kiểm tra (Great Expectations Data Docs)",
        "legend": "Thang màu",
        "why_no_rows": "chưa có dữ liệu", "why_table_missing": "thiếu bảng",
        "why_columns_missing": "thiếu cột",
        "why_columns_missing_in_the_warehouse": "kho dữ liệu thiếu cột",
    },
    "en": {
        "title": "Data quality report: correct, complete, clean, live",
        "intro": "Shared data must be 100 % correct, complete, clean and live. Score = share of records passing "
                 "every check of the dimension; records quarantined at load count as failing.",
        "generated": "Generated at",
        "dung": "Correct", "du": "Complete", "sach": "Clean", "song": "Live",
        "scorecard": "Scorecard by source and province",
        "source": "Source", "province": "Province", "commune": "Commune", "rows": "Records",
        "unknown_unit": "(unknown: quarantined records or data without units)",
        "trend": "Score by day (nation)",
        "worst_communes": "Communes with the lowest scores",
        "worst_procedures": "Procedures with the largest share of failing dossiers",
        "procedure": "Procedure code", "checked": "Checked", "failing": "Failing", "score": "Score (%)",
        "failed_checks": "Failed checks and what to do",
        "dataset": "Dataset", "dimension": "Dimension", "meaning": "What it means", "examples": "Examples (masked)",
        "action": "What the locality should do", "critical": "Critical: stops publishing",
        "meaning_rows": "{failing} of {checked} records ({percent} %) fail: {description}.",
        "meaning_aggregate": "Failed: {description} (observed: {observed}).",
        "rejected": "Records quarantined at load",
        "rejected_rows": "Records quarantined", "reason": "Example reason",
        "not_checked": "Datasets not checked",
        "why": "Why",
        "all_passed": "Every check passed.",
        "no_data": "No data yet",
        "data_docs": "Technical documentation of the suites (Great Expectations Data Docs)",
        "legend": "Colour scale",
    },
}


def quality_labels(language: str) -> dict[str, str]:
    return QUALITY_LABELS["en" if language == "en" else "vi"]
