"""Readiness per criterion and the heat map's incremental publish: a hand-counted fixture of commune reports."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select, update

from hub.metrics.readiness import CRITERIA, publish_readiness
from hub.warehouse.schema import (commune_report, metric_readiness_commune, metric_readiness_criterion,
                                  metric_readiness_province, province_report)
from tests.metric_fixtures import LOADED, empty, warehouse_engine  # noqa: F401

AUG10, AUG11 = date(2025, 8, 10), date(2025, 8, 11)
TO_HIEU, CHIENG_AN, THIRD = "03646", "03664", "03679"  # communes of Sơn La (14), which has 75


def _report(day, commune, on_time=True, loaded_at=LOADED, **unmet):
    checklist = {name: name not in unmet for name in CRITERIA}
    return {"report_date": day, "commune_code": commune, "province_code": "14", "on_time": on_time, **checklist,
            "updated_at": loaded_at, "load_id": "L", "loaded_at": loaded_at}


def _seed(engine):
    with engine.begin() as conn:
        conn.execute(insert(commune_report), [
            _report(AUG10, TO_HIEU),                                            # every criterion
            _report(AUG10, CHIENG_AN, one_stop_staff=True),                     # basic fails, staffing unmet
            _report(AUG10, THIRD, on_time=False),                               # after 16:00: counts the next day
            _report(AUG11, TO_HIEU, digital_signatures=True),                   # basic yes, green no
        ])
        conn.execute(insert(province_report), [
            {"report_date": AUG10, "province_code": "14", "status": "yellow", "updated_at": LOADED, "load_id": "L",
             "loaded_at": LOADED}])


def _criterion(engine, day, level, code, criterion):
    with engine.connect() as conn:
        m = metric_readiness_criterion.c
        return conn.execute(select(m.communes, m.communes_meeting, m.meeting_pct).where(
            m.report_date == day, m.unit_level == level, m.unit_code == code, m.criterion == criterion)).one()


def test_each_criterion_counts_communes_meeting_it_by_the_cut_off_among_all_communes(empty):
    _seed(empty)
    publish_readiness(empty)
    assert tuple(_criterion(empty, AUG10, "province", "14", "one_stop_staff")) == (75, 1, 1.33)
    assert tuple(_criterion(empty, AUG10, "province", "14", "network")) == (75, 2, 2.67)
    assert tuple(_criterion(empty, AUG10, "nation", "VN", "network")) == (3321, 2, 0.06)
    assert tuple(_criterion(empty, AUG10, "province", "01", "network")) == (126, 0, 0.0)
    assert tuple(_criterion(empty, AUG11, "province", "14", "digital_signatures")) == (75, 0, 0.0)


def test_the_province_row_shows_green_and_basic_communes_and_the_reported_colour(empty):
    _seed(empty)
    nation = {row["report_date"]: row for row in publish_readiness(empty)}
    with empty.connect() as conn:
        son_la = conn.execute(select(metric_readiness_province).where(
            metric_readiness_province.c.report_date == AUG10,
            metric_readiness_province.c.province_code == "14")).mappings().one()
    assert (son_la["status"], son_la["communes_reporting"], son_la["communes_green"], son_la["communes_basic"],
            son_la["green_pct"]) == ("yellow", 2, 1, 1, 1.33)
    assert (nation[AUG10]["provinces_yellow"], nation[AUG11]["communes_basic"], nation[AUG11]["communes_green"]) == (1, 1, 0)


def test_every_commune_has_a_row_per_date_with_the_criteria_it_met_by_the_cut_off(empty):
    _seed(empty)
    publish_readiness(empty)
    with empty.connect() as conn:
        rows = {(r["report_date"], r["commune_code"]): r for r in conn.execute(select(metric_readiness_commune)).mappings()}
    assert len(rows) == 2 * 3321  # both report dates, every commune, reported or not
    to_hieu, chieng_an, late = rows[(AUG10, TO_HIEU)], rows[(AUG10, CHIENG_AN)], rows[(AUG10, THIRD)]
    assert (to_hieu["reporting"], to_hieu["meets_basic"], to_hieu["green"], to_hieu["criteria_met"]) == (True, True, True, 7)
    assert (chieng_an["meets_basic"], chieng_an["green"], chieng_an["criteria_met"], chieng_an["one_stop_staff"],
            chieng_an["network"]) == (False, False, 6, False, True)
    assert (late["reporting"], late["meets_basic"], late["criteria_met"], late["network"]) == (False, False, 0, False)
    signed_no = rows[(AUG11, TO_HIEU)]
    assert (signed_no["meets_basic"], signed_no["green"], signed_no["digital_signatures"]) == (True, False, False)
    silent = next(r for (day, _), r in rows.items() if day == AUG10 and r["province_code"] == "01")  # Hà Nội: no reports
    assert (silent["reporting"], silent["criteria_met"], silent["commune_name"] != "") == (False, 0, True)
    with empty.connect() as conn:  # the province's green communes are the commune rows that are green
        green = conn.execute(select(metric_readiness_province.c.communes_green).where(
            metric_readiness_province.c.report_date == AUG10,
            metric_readiness_province.c.province_code == "14")).scalar_one()
    assert green == sum(r["green"] for (day, _), r in rows.items() if day == AUG10 and r["province_code"] == "14")


def test_only_report_dates_with_new_reports_are_published_again(empty):
    _seed(empty)
    assert {row["report_date"] for row in publish_readiness(empty)} == {AUG10, AUG11}
    assert publish_readiness(empty) == []
    with empty.begin() as conn:
        conn.execute(update(commune_report).where(commune_report.c.report_date == AUG11).values(
            one_stop_staff=False, loaded_at=LOADED + timedelta(hours=1)))
    assert [row["report_date"] for row in publish_readiness(empty)] == [AUG11]
    assert tuple(_criterion(empty, AUG11, "province", "14", "one_stop_staff"))[1] == 0
