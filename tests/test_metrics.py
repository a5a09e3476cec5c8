"""The online filing rate, from canonical dossiers written by hand."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import insert, select

from hub.metrics.online_rate import publish_online_filing_rate
from hub.warehouse.schema import dossier, metric_online_filing_rate

NOW = datetime(2025, 8, 1, tzinfo=timezone.utc)


def _dossier(n: int, province: str, channel: str, status: int = 4, day: date = date(2025, 7, 10)) -> dict:
    return {
        "dossier_id": f"D-{n}", "source": "test", "procedure_code": "P", "province_code": province,
        "channel": channel, "status_code": status, "received_at": NOW, "received_date": day,
        "updated_at": NOW, "owner_id_kind": "personal_id", "load_id": "L", "loaded_at": NOW,
    }


@pytest.fixture
def seeded(engine):
    rows = [
        _dossier(1, "14", "online"), _dossier(2, "14", "direct"), _dossier(3, "14", "unknown"),
        _dossier(4, "14", "postal"), _dossier(5, "14", "online", status=3),  # refused: not received
        _dossier(6, "14", "online", status=1),  # not yet received
        _dossier(7, "11", "online"), _dossier(8, "11", "online", day=date(2025, 9, 1)),  # outside the period
    ]
    with engine.begin() as conn:
        conn.execute(insert(dossier), rows)
    return engine


def test_rates_count_received_dossiers_by_channel_per_province_and_nation(seeded):
    rates = publish_online_filing_rate(seeded, date(2025, 7, 1), date(2025, 8, 19))
    son_la = next(r for r in rates.provinces if r["unit_code"] == "14")
    assert (son_la["dossiers_received"], son_la["dossiers_online"], son_la["dossiers_direct"],
            son_la["dossiers_postal"], son_la["dossiers_no_channel"]) == (4, 1, 1, 1, 1)
    assert son_la["online_rate_pct"] == 25.0
    assert rates.nation["dossiers_received"] == 5 and rates.nation["online_rate_pct"] == 40.0


def test_every_province_gets_a_row_and_an_empty_one_has_no_rate(seeded):
    rates = publish_online_filing_rate(seeded, date(2025, 7, 1), date(2025, 8, 19))
    assert len(rates.provinces) == 34
    hanoi = next(r for r in rates.provinces if r["unit_code"] == "01")
    assert hanoi["dossiers_received"] == 0 and hanoi["online_rate_pct"] is None


def test_publishing_twice_replaces_rather_than_duplicates(seeded):
    publish_online_filing_rate(seeded, date(2025, 7, 1), date(2025, 8, 19))
    publish_online_filing_rate(seeded, date(2025, 7, 1), date(2025, 8, 19))
    with seeded.connect() as conn:
        assert len(conn.execute(select(metric_online_filing_rate)).all()) == 35


def test_without_a_period_the_span_of_the_data_is_used(seeded):
    rates = publish_online_filing_rate(seeded)
    assert (rates.period_start, rates.period_end) == (date(2025, 7, 10), date(2025, 9, 1))
