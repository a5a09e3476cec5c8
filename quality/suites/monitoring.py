"""The monitoring system's daily reports: communes' and provinces' readiness, due by 16:00."""
from __future__ import annotations

from datetime import datetime

import great_expectations as gx
from sqlalchemy import and_, case, select, true

from quality.suites import DatasetSuite, Tables, present, status_colour, tagged

E = gx.expectations
REPORT_FIX = "Xã gửi báo cáo ngày trên Hệ thống giám sát trước 16:00."
REPORT_FIX_EN = "The commune sends its daily report in the monitoring system before 16:00."


def commune_report_expectations(now: datetime) -> list:
    return [
        status_colour("reported_status", "Trạng thái tự đánh giá thuộc danh mục xanh/vàng/đỏ",
                      "Self-assessed status is green, yellow or red",
                      action_vi="Chọn trạng thái xanh, vàng hoặc đỏ theo hướng dẫn.",
                      action_en="Pick green, yellow or red."),
        present("submitted_at", "Báo cáo có thời điểm gửi", "Reports carry their sending time",
                action_vi=REPORT_FIX, action_en=REPORT_FIX_EN),
        present("reported_meets_basic", "Báo cáo nêu xã có đáp ứng điều kiện cơ bản hay không",
                "Reports say whether basic conditions are met",
                action_vi="Điền mục đáp ứng điều kiện cơ bản.", action_en="Fill in the basic-conditions answer."),
        tagged(E.ExpectColumnValuesToBeInSet(column="on_time", value_set=[True]), "song",
               "Báo cáo được gửi trước hạn 16:00", "Reports are sent before the 16:00 deadline",
               action_vi=REPORT_FIX, action_en=REPORT_FIX_EN),
    ]


def communes_expected(tables: Tables):
    """Every commune of the July-2025 units on every date the monitoring system has reports for, with
    whether its report arrived: a commune that sent nothing is a row too, so coverage can be counted."""
    commune, report = tables["admin_commune"], tables["commune_report"]
    dates = select(report.c.report_date).distinct().subquery("report_dates")
    arrived = case((report.c.commune_code.is_not(None), "reported"), else_="missing")
    return (select(dates.c.report_date, commune.c.code.label("commune_code"), commune.c.province_code,
                   report.c.loaded_at, arrived.label("report"))
            .select_from(dates.join(commune, true())
                         .outerjoin(report, and_(report.c.report_date == dates.c.report_date,
                                                 report.c.commune_code == commune.c.code)))
            .subquery("commune_report_coverage"))


def coverage_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToBeInSet(column="report", value_set=["reported"]), "du",
               "Mọi xã đều gửi báo cáo ngày", "Every commune sends its daily report",
               action_vi=REPORT_FIX, action_en=REPORT_FIX_EN),
    ]


def province_report_expectations(now: datetime) -> list:
    return [
        status_colour("status", "Trạng thái của tỉnh thuộc danh mục xanh/vàng/đỏ",
                      "Province status is green, yellow or red",
                      action_vi="Chọn trạng thái xanh, vàng hoặc đỏ.", action_en="Pick green, yellow or red."),
        present("communes", "Báo cáo tỉnh nêu số xã", "Province reports give their number of communes",
                action_vi="Điền số xã của tỉnh.", action_en="Fill in the number of communes."),
        tagged(E.ExpectColumnValuesToBeBetween(column="tasks_overdue", min_value=0, max_value=1000), "sach",
               "Số nhiệm vụ quá hạn trong khoảng 0–1.000", "Overdue tasks are within 0–1,000",
               action_vi="Kiểm tra lại số nhiệm vụ quá hạn.", action_en="Check the number of overdue tasks."),
    ]


COMMUNE_REPORT_SUITE = DatasetSuite(
    dataset="commune_report", name="commune_report_dung_du_sach_song", partition_column="report_date",
    change_column="loaded_at", expectations=commune_report_expectations, source_column=None, source="monitoring",
    key_column="commune_code", quarantine_streams=(("monitoring", "bao_cao_xa"),))
COMMUNE_COVERAGE_SUITE = DatasetSuite(
    dataset="commune_report_coverage", name="commune_report_coverage_du", partition_column="report_date",
    change_column="loaded_at", expectations=coverage_expectations, selection=communes_expected,
    source_column=None, source="monitoring", key_column="commune_code")
PROVINCE_REPORT_SUITE = DatasetSuite(
    dataset="province_report", name="province_report_dung_du_sach_song", partition_column="report_date",
    change_column="loaded_at", expectations=province_report_expectations, source_column=None, source="monitoring",
    commune_column=None, key_column="province_code", quarantine_streams=(("monitoring", "bao_cao_tinh"),))
