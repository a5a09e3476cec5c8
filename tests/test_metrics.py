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


def test_dossier_reduction_counts_replaceable_avoidable_and_verified_attachments(engine):
    from hub.metrics.dossier_reduction import publish_dossier_reduction
    from hub.warehouse.schema import citizen_verification, dossier_attachment, procedure_component

    def attachment(dossier_id, n, component, reuse=0, store=False, deleted=False):
        return {"dossier_id": dossier_id, "attachment_id": f"{dossier_id}-{n}", "component_code": component,
                "is_deleted": deleted, "digitised": True, "reuse_state": reuse, "from_personal_store": store,
                "updated_at": NOW, "load_id": "L", "loaded_at": NOW}

    with engine.begin() as conn:
        conn.execute(insert(dossier), [
            {**_dossier(1, "14", "online"), "procedure_code": "P", "owner_id_hash": "h1"},
            {**_dossier(2, "14", "direct"), "procedure_code": "P", "owner_id_hash": "h2"},
            {**_dossier(3, "14", "direct", status=3), "procedure_code": "P", "owner_id_hash": "h3"},  # refused
        ])
        conn.execute(insert(procedure_component), [
            {"procedure_code": "P", "component_code": "ID", "name": "Giấy tờ tùy thân", "replaceable_by": "population",
             "updated_at": NOW, "load_id": "L", "loaded_at": NOW},
            {"procedure_code": "P", "component_code": "LAND", "name": "Giấy chứng nhận", "replaceable_by": "land",
             "updated_at": NOW, "load_id": "L", "loaded_at": NOW},
            {"procedure_code": "P", "component_code": "FORM", "name": "Tờ khai", "replaceable_by": None,
             "updated_at": NOW, "load_id": "L", "loaded_at": NOW},
        ])
        conn.execute(insert(dossier_attachment), [
            attachment("D-1", 1, "ID"),                     # avoidable, owner verified: avoidable_verified
            attachment("D-1", 2, "LAND", reuse=1),          # replaceable, reused: fine
            attachment("D-1", 3, "FORM"),                   # not replaceable
            attachment("D-2", 1, "ID"),                     # avoidable, owner not verified
            attachment("D-2", 2, "LAND", store=True),       # taken from the citizen's store
            attachment("D-2", 3, "FORM", deleted=True),     # deleted: not counted
            attachment("D-3", 1, "ID"),                     # refused dossier: not counted
        ])
        conn.execute(insert(citizen_verification), [
            {"subject_id_hash": "h1", "source": "population_db", "outcome": "match", "updated_at": NOW,
             "load_id": "L", "loaded_at": NOW},
            {"subject_id_hash": "h2", "source": "population_db", "outcome": "mismatch", "updated_at": NOW,
             "load_id": "L", "loaded_at": NOW},
        ])
    rows = publish_dossier_reduction(engine, date(2025, 7, 1), date(2025, 8, 19))
    son_la = next(r for r in rows if r["unit_code"] == "14")
    assert (son_la["dossiers_received"], son_la["dossiers_reusing_data"], son_la["attachments"],
            son_la["attachments_replaceable"], son_la["attachments_avoidable"],
            son_la["attachments_avoidable_verified"]) == (2, 2, 5, 4, 2, 1)
    assert son_la["reuse_rate_pct"] == 100.0 and son_la["avoidable_pct"] == 40.0
    nation = next(r for r in rows if r["unit_level"] == "nation")
    assert nation["attachments_avoidable"] == 2 and len(rows) == 35
