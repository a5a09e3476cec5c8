"""Report labels in Vietnamese (default) and English."""
from __future__ import annotations

LABELS = {
    "vi": {
        "title": "Báo cáo liên thông dữ liệu – LienThong",
        "online_rate": "Tỷ lệ hồ sơ nộp trực tuyến",
        "period": "Kỳ báo cáo",
        "unit": "Đơn vị",
        "received": "Hồ sơ tiếp nhận",
        "online": "Trực tuyến",
        "direct": "Trực tiếp",
        "postal": "Bưu chính công ích",
        "no_channel": "Không rõ kênh",
        "rate": "Tỷ lệ trực tuyến (%)",
        "quality": "Chất lượng dữ liệu: đúng, đủ, sạch, sống",
        "dimension": "Tiêu chí",
        "check": "Kiểm tra",
        "result": "Kết quả",
        "violations": "Số bản ghi vi phạm",
        "passed": "Đạt",
        "failed": "Không đạt",
        "reconciliation": "Đối soát đồng bộ",
        "source": "Nguồn",
        "fetched": "Đã nhận",
        "loaded": "Đã nạp",
        "quarantined": "Cách ly",
        "rows_checked": "Số hồ sơ được kiểm tra",
        "generated": "Thời điểm lập báo cáo",
        "no_data": "Chưa có dữ liệu",
        "dung": "Đúng", "du": "Đủ", "sach": "Sạch", "song": "Sống",
        "nation": "Toàn quốc",
    },
    "en": {
        "title": "LienThong data-interoperability report",
        "online_rate": "Online filing rate",
        "period": "Period",
        "unit": "Unit",
        "received": "Dossiers received",
        "online": "Online",
        "direct": "In person",
        "postal": "Public postal",
        "no_channel": "Channel missing",
        "rate": "Online rate (%)",
        "quality": "Data quality: correct, complete, clean, live",
        "dimension": "Dimension",
        "check": "Check",
        "result": "Result",
        "violations": "Violating records",
        "passed": "Passed",
        "failed": "Failed",
        "reconciliation": "Sync reconciliation",
        "source": "Source",
        "fetched": "Fetched",
        "loaded": "Loaded",
        "quarantined": "Quarantined",
        "rows_checked": "Dossiers checked",
        "generated": "Generated at",
        "no_data": "No data yet",
        "dung": "Correct", "du": "Complete", "sach": "Clean", "song": "Live",
        "nation": "Nation",
    },
}


def labels(language: str) -> dict[str, str]:
    if language not in LABELS:
        raise ValueError(f"unsupported report language {language!r}; choose one of {', '.join(LABELS)}")
    return LABELS[language]
