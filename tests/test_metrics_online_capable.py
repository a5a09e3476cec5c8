"""The online rate within online-capable procedures and indicator 3.4 in metric_online_filing_daily:
direct and online dossiers counted by their procedure's level in their commune at receipt, against a
hand-counted fixture with levels 2, 3 and 4, a level that changed between two reads, a pair first read
after its dossiers' days and a pair never read."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from hub.metrics.online_daily import publish_online_filing_daily
from hub.warehouse.db import upsert
from hub.warehouse.schema import dossier, metric_online_filing_daily, procedure_level
from tests.metric_fixtures import LOADED, a_dossier, empty, warehouse_engine  # noqa: F401

DAY10, DAY11 = date(2025, 7, 10), date(2025, 7, 11)
TO_HIEU, CHIENG_AN = "03646", "03664"  # two communes of Sơn La (14)
LATER = LOADED + timedelta(hours=1)
m = metric_online_filing_daily.c
LEVEL_COLUMNS = ("dossiers_online_capable", "dossiers_online_capable_online", "dossiers_full_process",
                 "dossiers_full_process_online", "dossiers_level_unknown", "dossiers_level_read_later",
                 "online_capable_rate_pct", "full_process_rate_pct")


def a_level(procedure_code: str, commune: str, read: date, level: int, loaded_at: datetime = LOADED) -> dict:
    read_at = datetime(read.year, read.month, read.day, 2, tzinfo=timezone.utc)  # 09:00 local
    return {"procedure_code": procedure_code, "commune_code": commune, "read_date": read, "level": level,
            "read_at": read_at, "updated_at": loaded_at, "load_id": "L", "loaded_at": loaded_at}


@pytest.fixture
def seeded(empty):
    with empty.begin() as conn:
        conn.execute(insert(procedure_level), [
            a_level("P1", TO_HIEU, date(2025, 7, 5), 3),
            a_level("P1", TO_HIEU, DAY11, 4),  # offered full-process from the read of the 11th
            a_level("P1", CHIENG_AN, date(2025, 7, 5), 2),
            a_level("P2", CHIENG_AN, date(2025, 7, 12), 4),  # first read after both days: its level stands in
        ])  # P2 in Tô Hiệu: never read
        conn.execute(insert(dossier), [
            a_dossier(1, "14", "online", commune=TO_HIEU),  # level 3
            a_dossier(2, "14", "direct", commune=TO_HIEU),  # level 3
            a_dossier(3, "14", "postal", commune=TO_HIEU),  # postal: outside both rates
            a_dossier(4, "14", "online", commune=CHIENG_AN),  # level 2: not online-capable
            a_dossier(5, "14", "direct", commune=CHIENG_AN, procedure_code="P2"),  # level 4, read later
            a_dossier(6, "14", "online", commune=TO_HIEU, procedure_code="P2"),  # level unknown
            a_dossier(7, "14", "online", commune=TO_HIEU, status=3),  # refused at reception: not received
            a_dossier(8, "14", "online", day=DAY11, commune=TO_HIEU),  # level 4 (read that day)
            a_dossier(9, "14", "direct", day=DAY11, commune=TO_HIEU),  # level 4
            a_dossier(10, "14", "online", day=DAY11, commune=CHIENG_AN, procedure_code="P2"),  # level 4, read later
        ])
    return empty


def _publish(engine, first=DAY10, last=DAY11):
    with engine.begin() as conn:
        return publish_online_filing_daily(conn, first, last, datetime.now(timezone.utc))


def _levels(engine, day, level, code, breakdown="all", breakdown_code=""):
    with engine.connect() as conn:
        row = conn.execute(select(*[m[c] for c in LEVEL_COLUMNS]).where(
            m.day == day, m.unit_level == level, m.unit_code == code, m.breakdown == breakdown,
            m.breakdown_code == breakdown_code)).one()
    return tuple(row)


def test_dossiers_count_under_their_procedures_level_in_their_commune_at_receipt(seeded):
    _publish(seeded)
    # capable (1, 2, 5), of which online 1; full-process 5, none online; 6 unknown; 5 read later
    assert _levels(seeded, DAY10, "province", "14") == (3, 1, 1, 0, 1, 1, 33.33, 0.0)
    assert _levels(seeded, DAY10, "nation", "VN") == (3, 1, 1, 0, 1, 1, 33.33, 0.0)
    # the read of the 11th made P1 full-process in Tô Hiệu: 8 and 9 at level 4, with 10
    assert _levels(seeded, DAY11, "province", "14") == (3, 2, 3, 2, 0, 1, 66.67, 66.67)
    assert _levels(seeded, DAY10, "commune", TO_HIEU) == (2, 1, 0, 0, 1, 0, 50.0, None)
    assert _levels(seeded, DAY10, "commune", CHIENG_AN) == (1, 0, 1, 0, 0, 1, 0.0, 0.0)
    assert _levels(seeded, DAY10, "nation", "VN", "procedure", "P1") == (2, 1, 0, 0, 0, 0, 50.0, None)
    assert _levels(seeded, DAY10, "province", "11") == (0, 0, 0, 0, 0, 0, None, None)  # no dossiers


def test_a_date_range_sums_the_days_counts(seeded):
    _publish(seeded)
    with seeded.connect() as conn:
        capable, online, full, full_online = conn.execute(
            select(func.sum(m.dossiers_online_capable), func.sum(m.dossiers_online_capable_online),
                   func.sum(m.dossiers_full_process), func.sum(m.dossiers_full_process_online))
            .where(m.unit_level == "province", m.unit_code == "14", m.breakdown == "all",
                   m.day.between(DAY10, DAY11))).one()
    assert (capable, online, full, full_online) == (6, 3, 4, 2)  # 50 % and 50 % over both days


def test_a_level_read_again_the_same_day_republishes_the_days_from_it(seeded):
    _publish(seeded)
    assert _publish(seeded) == []
    with seeded.begin() as conn:  # read again on the 11th: back to partial online
        upsert(conn, procedure_level, [a_level("P1", TO_HIEU, DAY11, 3, loaded_at=LATER)])
    assert _publish(seeded) == [DAY11]
    assert _levels(seeded, DAY11, "province", "14")[:4] == (3, 2, 1, 1)


def test_a_later_read_leaves_earlier_days_alone_but_a_pair_first_read_restates_them(seeded):
    _publish(seeded)
    with seeded.begin() as conn:
        conn.execute(insert(procedure_level), [a_level("P1", TO_HIEU, date(2025, 7, 20), 2, loaded_at=LATER)])
    assert _publish(seeded) == []  # the 10th and 11th take reads before the 20th
    with seeded.begin() as conn:
        conn.execute(insert(procedure_level), [a_level("P2", TO_HIEU, date(2025, 7, 20), 3, loaded_at=LATER)])
    assert _publish(seeded) == [DAY10, DAY11]  # days before a pair's first read take that read
    assert _levels(seeded, DAY10, "commune", TO_HIEU) == (3, 2, 0, 0, 0, 1, 66.67, None)
