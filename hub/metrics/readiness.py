"""Readiness heat map from the monitoring reports: per province and for the nation, per report date.

Commune figures are the hub's own, recomputed from each checklist (docs/metrics.md):
- meets the basic Public Administrative Service Center conditions: network, online meetings,
  digitisation equipment, computers and enough one-stop staff;
- green: those five plus digital signatures and official-duty certificates;
- reporting: the report arrived before the day's 16:00 cut-off (late reports count the next day).
The province colour is the one the province reported. Per criterion of the checklist, the
communes meeting it (reported by the cut-off) out of all the unit's communes.

Per commune and date (``metric_readiness_commune``): every commune of the reference units, with
each criterion met or not, so the centre's commune map reads a table, not the reports.

Incremental: only the report dates whose commune or province reports changed since their last
publish (hub/metrics/partitions.py) are recomputed.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Connection, Engine, and_, case, delete, func, insert, literal, select, true

from hub.metrics import percent
from hub.metrics.partitions import fingerprints, one_writer_at_a_time, record_published, stale_days
from hub.metrics.sql import days_table
from hub.warehouse.db import upsert
from hub.warehouse.schema import (READINESS_CRITERIA, UTC, admin_commune, admin_province, commune_report,
                                  metric_readiness_commune, metric_readiness_criterion, metric_readiness_nation,
                                  metric_readiness_province, province_report)
from quality.fingerprint import EMPTY, combined

c = commune_report.c
CRITERIA = READINESS_CRITERIA
BASIC = tuple(c[name] for name in CRITERIA[:5])
GREEN = tuple(c[name] for name in CRITERIA)
METRIC = "readiness"


def _all(columns):
    return and_(c.on_time == true(), *[column == true() for column in columns])


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _publish_communes(conn: Connection, dates: list[date], now: datetime) -> None:
    """Every commune of the reference units on each date, reported or not: one INSERT … SELECT."""
    table = metric_readiness_commune
    conn.execute(delete(table).where(table.c.report_date.in_(dates)))
    days = days_table(dates)

    def met(columns):
        return func.coalesce(_all(columns), False)

    criteria = {name: met((c[name],)) for name in CRITERIA}
    rows = (select(days.c.day, admin_commune.c.code, admin_commune.c.province_code, admin_commune.c.full_name,
                   func.coalesce(c.on_time, False), met(BASIC), met(GREEN),
                   sum((case((condition, 1), else_=0) for condition in criteria.values()), literal(0)),
                   *criteria.values(), literal(now, UTC))
            .select_from(days.join(admin_commune, true())
                         .outerjoin(commune_report, and_(c.commune_code == admin_commune.c.code,
                                                         c.report_date == days.c.day))))
    conn.execute(insert(table).from_select(
        ["report_date", "commune_code", "province_code", "commune_name", "reporting", "meets_basic", "green",
         "criteria_met", *CRITERIA, "computed_at"], rows))



def publish_readiness(engine: Engine) -> list[dict]:
    """Recompute the report dates whose reports changed; returns their nation rows."""
    communes_per_province = (select(admin_commune.c.province_code, func.count().label("communes"))
                             .group_by(admin_commune.c.province_code).subquery())
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        one_writer_at_a_time(conn, METRIC)
        current = _fingerprints(conn)
        dates = stale_days(conn, METRIC, current, sorted(current))
        if not dates:
            return []
        figures = (select(c.report_date, c.province_code,
                          _count(c.on_time == true()).label("reporting"),
                          _count(_all(GREEN)).label("green"),
                          _count(_all(BASIC)).label("basic"),
                          *[_count(_all((c[name],))).label(name) for name in CRITERIA])
                   .where(c.report_date.in_(dates))
                   .group_by(c.report_date, c.province_code))
        provinces = conn.execute(select(admin_province.c.code, admin_province.c.full_name,
                                        communes_per_province.c.communes)
                                 .join(communes_per_province, communes_per_province.c.province_code == admin_province.c.code)
                                 .order_by(admin_province.c.code)).all()
        counted = {(r.report_date, r.province_code): r._mapping for r in conn.execute(figures)}
        colours = {(r.report_date, r.province_code): r.status for r in conn.execute(
            select(province_report.c.report_date, province_report.c.province_code, province_report.c.status)
            .where(province_report.c.report_date.in_(dates)))}
        province_rows, nation_rows, criterion_rows = [], [], []
        for day in dates:
            rows = []
            for code, name, communes in provinces:
                f = counted.get((day, code), {})
                reporting, green, basic, staffed = (f.get(k, 0) for k in ("reporting", "green", "basic", "one_stop_staff"))
                criterion_rows += _criterion_rows(day, "province", code, communes, f, now)
                rows.append({"report_date": day, "province_code": code, "province_name": name,
                             "status": colours.get((day, code)), "communes": communes,
                             "communes_reporting": reporting, "communes_green": green, "communes_basic": basic,
                             "communes_staffed": staffed, "green_pct": percent(green, communes),
                             "basic_pct": percent(basic, communes), "computed_at": now})
            province_rows += rows
            total = sum(r["communes"] for r in rows)
            basic = sum(r["communes_basic"] for r in rows)
            staffed = sum(r["communes_staffed"] for r in rows)
            nation_rows.append({
                "report_date": day,
                "provinces_green": sum(r["status"] == "green" for r in rows),
                "provinces_yellow": sum(r["status"] == "yellow" for r in rows),
                "provinces_red": sum(r["status"] == "red" for r in rows),
                "provinces_reporting": sum(r["status"] is not None for r in rows),
                "communes": total, "communes_reporting": sum(r["communes_reporting"] for r in rows),
                "communes_green": sum(r["communes_green"] for r in rows), "communes_basic": basic,
                "communes_staffed": staffed, "basic_pct": percent(basic, total), "staffed_pct": percent(staffed, total),
                "provinces_over_50pct_green": sum((r["green_pct"] or 0) > 50 for r in rows),
                "provinces_over_70pct_green": sum((r["green_pct"] or 0) > 70 for r in rows),
                "provinces_all_green": sum(r["green_pct"] == 100.0 for r in rows),
                "computed_at": now,
            })
            criterion_rows += _criterion_rows(day, "nation", "VN", total, _summed(counted, day), now)
        upsert(conn, metric_readiness_province, province_rows)
        upsert(conn, metric_readiness_nation, nation_rows)
        upsert(conn, metric_readiness_criterion, criterion_rows)
        _publish_communes(conn, dates, now)
        record_published(conn, METRIC, current, dates, now)
    return nation_rows


def _fingerprints(conn) -> dict:
    """Per report date, the commune and province reports together."""
    communes = fingerprints(conn, c.report_date, commune_report)
    provinces = fingerprints(conn, province_report.c.report_date, province_report)
    return {day: combined(communes.get(day, EMPTY), provinces.get(day, EMPTY)) for day in set(communes) | set(provinces)}


def _summed(counted: dict, day) -> dict:
    return {name: sum(f[name] for (d, _), f in counted.items() if d == day) for name in CRITERIA}


def _criterion_rows(day, level: str, code: str, communes: int, counts: dict, now) -> list[dict]:
    return [{"report_date": day, "unit_level": level, "unit_code": code, "criterion": name, "communes": communes,
             "communes_meeting": int(counts.get(name, 0)), "meeting_pct": percent(int(counts.get(name, 0)), communes),
             "computed_at": now} for name in CRITERIA]
