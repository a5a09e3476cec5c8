"""Online filing as daily facts per unit, procedure and field, published incrementally: a hand-counted fixture."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, update

from hub.metrics.online_daily import publish_online_filing_daily
from hub.metrics.online_rate import publish_online_filing_rate
from hub.warehouse.schema import dossier, metric_online_filing_daily, metric_online_filing_rate, procedure
from tests.metric_fixtures import LOADED, a_dossier, a_procedure, empty, warehouse_engine  # noqa: F401

DAY10, DAY11, DAY12 = date(2025, 7, 10), date(2025, 7, 11), date(2025, 7, 12)
TO_HIEU, CHIENG_AN = "03646", "03664"  # two communes of Sơn La (14)
LATER = LOADED + timedelta(hours=1)
m = metric_online_filing_daily.c


@pytest.fixture
def seeded(empty):
    with empty.begin() as conn:
        conn.execute(insert(procedure), [a_procedure("P1", "F1"), a_procedure("P2", "F2")])  # P3: not catalogued
        conn.execute(insert(dossier), [
            a_dossier(1, "14", "online", commune=TO_HIEU),
            a_dossier(2, "14", "direct", commune=TO_HIEU),
            a_dossier(3, "14", "postal", commune=CHIENG_AN, procedure_code="P2"),
            a_dossier(4, "14", "unknown", procedure_code="P3"),  # no commune, no channel, procedure not catalogued
            a_dossier(5, "14", "online", commune=TO_HIEU, status=3),  # refused at reception: not received
            a_dossier(6, "11", "online", day=DAY11),
            a_dossier(7, "14", "online", day=DAY11, commune=CHIENG_AN, procedure_code="P2"),
        ])
    return empty


def _publish(engine, first=DAY10, last=DAY11, now=None):
    with engine.begin() as conn:
        return publish_online_filing_daily(conn, first, last, now or datetime.now(timezone.utc))


def _row(engine, day, level, code, breakdown="all", breakdown_code=""):
    with engine.connect() as conn:
        return conn.execute(select(metric_online_filing_daily).where(
            m.day == day, m.unit_level == level, m.unit_code == code, m.breakdown == breakdown,
            m.breakdown_code == breakdown_code)).mappings().one()


def _counts(row):
    return (row["dossiers_received"], row["dossiers_online"], row["dossiers_direct"], row["dossiers_postal"],
            row["dossiers_no_channel"], row["online_rate_pct"])


def test_each_day_counts_received_dossiers_by_channel_for_nation_province_and_commune(seeded):
    _publish(seeded)
    assert _counts(_row(seeded, DAY10, "nation", "VN")) == (4, 1, 1, 1, 1, 25.0)
    assert _counts(_row(seeded, DAY10, "province", "14")) == (4, 1, 1, 1, 1, 25.0)
    assert _counts(_row(seeded, DAY10, "commune", TO_HIEU)) == (2, 1, 1, 0, 0, 50.0)
    assert _counts(_row(seeded, DAY10, "commune", CHIENG_AN)) == (1, 0, 0, 1, 0, 0.0)
    assert _counts(_row(seeded, DAY11, "nation", "VN")) == (2, 2, 0, 0, 0, 100.0)
    assert _row(seeded, DAY10, "commune", TO_HIEU)["province_code"] == "14"


def test_a_dossier_without_a_known_commune_counts_in_its_provinces_unknown_commune_row(seeded):
    _publish(seeded)
    unknown = _row(seeded, DAY10, "commune", "14:unknown")
    assert _counts(unknown) == (1, 0, 0, 0, 1, 0.0) and unknown["province_code"] == "14"
    assert _counts(_row(seeded, DAY11, "commune", "11:unknown"))[:2] == (1, 1)


def test_procedure_and_field_rows_split_the_units_counts(seeded):
    _publish(seeded)
    assert _counts(_row(seeded, DAY10, "nation", "VN", "procedure", "P1")) == (2, 1, 1, 0, 0, 50.0)
    assert _counts(_row(seeded, DAY10, "province", "14", "procedure", "P3")) == (1, 0, 0, 0, 1, 0.0)
    assert _counts(_row(seeded, DAY10, "nation", "VN", "field", "F1")) == (2, 1, 1, 0, 0, 50.0)
    assert _counts(_row(seeded, DAY10, "province", "14", "field", "unknown"))[:1] == (1,)  # P3 has no field
    assert _counts(_row(seeded, DAY11, "province", "14", "field", "F2")) == (1, 1, 0, 0, 0, 100.0)


def test_units_without_dossiers_get_rows_with_zero_counts_and_no_rate(seeded):
    _publish(seeded, DAY10, DAY12)
    assert _counts(_row(seeded, DAY10, "province", "01")) == (0, 0, 0, 0, 0, None)
    assert _counts(_row(seeded, DAY12, "nation", "VN")) == (0, 0, 0, 0, 0, None)
    with seeded.connect() as conn:
        per_level = dict(conn.execute(select(m.unit_level, func.count()).where(m.day == DAY12, m.breakdown == "all")
                                      .group_by(m.unit_level)).all())
    assert per_level == {"nation": 1, "province": 34, "commune": 3321}


def test_a_date_range_is_the_sum_of_its_days_and_ranks_provinces_without_rereading_dossiers(seeded):
    rates = publish_online_filing_rate(seeded, DAY10, DAY11)
    son_la = next(r for r in rates.provinces if r["unit_code"] == "14")
    assert (son_la["dossiers_received"], son_la["dossiers_online"], son_la["online_rate_pct"]) == (5, 2, 40.0)
    assert (rates.nation["dossiers_received"], rates.nation["online_rate_pct"]) == (6, 50.0)
    assert len(rates.provinces) == 34
    lowest = (select(m.unit_code, (100.0 * func.sum(m.dossiers_online) / func.sum(m.dossiers_received)).label("rate"))
              .where(m.unit_level == "province", m.breakdown == "all", m.day.between(DAY10, DAY11))
              .group_by(m.unit_code).having(func.sum(m.dossiers_received) > 0).order_by("rate").limit(1))
    with seeded.connect() as conn:
        assert conn.execute(lowest).one().unit_code == "14"
        assert len(conn.execute(select(metric_online_filing_rate)).all()) == 35


def test_publishing_again_without_new_loads_recomputes_nothing(seeded):
    assert _publish(seeded) == [DAY10, DAY11]
    assert _publish(seeded) == []


def test_a_new_load_on_one_day_recomputes_that_day_only(seeded):
    first = datetime(2025, 8, 2, tzinfo=timezone.utc)
    _publish(seeded, now=first)
    with seeded.begin() as conn:
        conn.execute(insert(dossier), [a_dossier(8, "14", "direct", day=DAY11, loaded_at=LATER)])
    assert _publish(seeded) == [DAY11]
    assert _row(seeded, DAY10, "nation", "VN")["computed_at"].replace(tzinfo=timezone.utc) == first
    assert _counts(_row(seeded, DAY11, "province", "14"))[:2] == (2, 1)


def test_a_dossier_moved_to_another_day_recomputes_both_days(seeded):
    _publish(seeded)
    with seeded.begin() as conn:
        conn.execute(update(dossier).where(dossier.c.dossier_id == "D-1").values(received_date=DAY11, loaded_at=LATER))
    assert _publish(seeded) == [DAY10, DAY11]
    assert _counts(_row(seeded, DAY10, "nation", "VN"))[:2] == (3, 0)


def test_a_reloaded_catalogue_recomputes_every_day_for_the_field_grain(seeded):
    _publish(seeded)
    with seeded.begin() as conn:
        conn.execute(update(procedure).where(procedure.c.procedure_code == "P1").values(field_code="F9",
                                                                                        loaded_at=LATER))
    assert _publish(seeded) == [DAY10, DAY11]
    assert _counts(_row(seeded, DAY10, "nation", "VN", "field", "F9"))[:1] == (2,)
