"""The monitoring system's daily reports: communes' and provinces' readiness, due by 16:00."""
from __future__ import annotations

from datetime import datetime

import great_expectations as gx
from sqlalchemy import and_, case, select, true

from quality.suites import DatasetSuite, Tables, present, status_colour, tagged

E = gx.expectations


def commune_report_expectations(now: datetime) -> list:
    return [
        status_colour("reported_status", "commune_status_colour"),
        present("submitted_at", "commune_report_sending_time_present"),
        present("reported_meets_basic", "commune_basic_conditions_present"),
        tagged(E.ExpectColumnValuesToBeInSet(column="on_time", value_set=[True]), "song", "commune_report_on_time"),
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
    return [tagged(E.ExpectColumnValuesToBeInSet(column="report", value_set=["reported"]), "du", "commune_report_sent")]


def province_report_expectations(now: datetime) -> list:
    return [
        status_colour("status", "province_status_colour"),
        present("communes", "province_communes_present"),
        tagged(E.ExpectColumnValuesToBeBetween(column="tasks_overdue", min_value=0, max_value=1000), "sach",
               "province_overdue_tasks_in_range"),
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
