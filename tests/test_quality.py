"""The "đúng, đủ, sạch, sống" suite, run in a real warehouse (SQLite and PostgreSQL), finds each defect
under its dimension with the right count, the way Great Expectations counts it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import great_expectations as gx
import pytest
from sqlalchemy import Column, MetaData, Table, insert

from hub.warehouse.schema import dossier, procedure
from quality import gx_sql
from quality.run import check_dataset
from quality.scores import Units
from quality.sql_checks import row_check, single_key
from quality.unit_counts import count_units
from quality.suites import DatasetSuite
from quality.suites.dossiers import DOSSIER_SUITE, OVERDUE_WITHOUT_UPDATE, dossier_expectations

NOW = datetime(2025, 8, 20, tzinfo=timezone.utc)
DAY = date(2025, 8, 17)


def dossier_row(number: int, day: date = DAY, **changes) -> dict:
    received = datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc)  # 09:00 in Hà Nội
    row = {
        "dossier_id": f"H52.1-{day:%y%m%d}-{number:04d}", "source": "dvc_portal", "procedure_code": "1.001234",
        "province_code": "01", "province_code_as_received": "H26", "commune_code": "00004",
        "commune_code_as_received": "00004", "channel": "online", "status_code": 4, "subject_type": "citizen",
        "submitted_at": received - timedelta(hours=1), "received_at": received, "received_date": day,
        "due_at": received + timedelta(days=5), "finished_at": None, "returned_at": None,
        "updated_at": NOW - timedelta(hours=2), "owner_id_hash": "a" * 64, "owner_id_kind": "personal_id",
        "has_digitised_component": True, "vneid_verified": True, "online_payment": 0,
        "load_id": "load-1", "loaded_at": NOW - timedelta(hours=1),
    }
    row.update(changes)
    return row


def insert_rows(engine, rows, table: Table = dossier) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table), rows)


def check(engine, table: Table, suite: DatasetSuite, **options):
    with engine.connect() as conn:
        return check_dataset(conn, table, suite, **options)


def failures(engine, table: Table = dossier) -> dict[str, tuple[str, int | None]]:
    outcome = check(engine, table, DOSSIER_SUITE, now=NOW)
    return {r.description_en: (r.dimension, r.unexpected_count) for r in outcome.results if not r.success}


def test_clean_dossiers_pass_every_expectation(engine):
    insert_rows(engine, [dossier_row(1), dossier_row(2, status_code=9, finished_at=NOW - timedelta(days=1))])
    outcome = check(engine, dossier, DOSSIER_SUITE, now=NOW)
    assert len(outcome.results) == 17 and outcome.success and outcome.rows_checked == 2
    assert {r.dimension for r in outcome.results} == {"dung", "du", "sach", "song"}


@pytest.mark.parametrize("changes,description,dimension", [
    ({"status_code": 12}, "Dossier status is in the code list 1–10", "dung"),
    ({"channel": "fax"}, "Filing channel is a known value", "dung"),
    ({"status_code": 9, "finished_at": NOW - timedelta(days=5)}, "Processing does not finish before receipt", "dung"),
    ({"owner_id_kind": "id_card_9"}, "The owner's document is a valid 12-digit personal ID", "dung"),
    ({"updated_at": NOW + timedelta(days=30)}, "No update time lies in the future", "dung"),
    ({"commune_code": None}, "The receiving commune is known", "du"),
    ({"commune_code_as_received": "00001"},  # Phúc Xá, merged on 1 July 2025
     "Dossiers received from 1 July 2025 carry a commune code of the new units", "dung"),
    ({"due_at": None}, "Dossiers carry a due date (at least 95 %)", "du"),
    ({"dossier_id": lambda n: f"bad number {n}"}, "Dossier numbers follow {unit}-{yyMMdd}-{sequence}", "sach"),
    ({"procedure_code": "N/A"}, 'The procedure code is not a placeholder ("N/A", "0", "Chưa có")', "sach"),
    ({"due_at": NOW - timedelta(days=1), "updated_at": NOW - timedelta(days=2)},
     "Overdue dossiers carry a status update since their due date", "song"),
])
def test_each_defect_is_found_under_its_dimension_with_its_count(engine, changes, description, dimension):
    def defective(n):
        return dossier_row(n, **{k: v(n) if callable(v) else v for k, v in changes.items()})

    insert_rows(engine, [dossier_row(1), defective(2), defective(3)])
    assert failures(engine) == {description: (dimension, 2)}


def test_a_procedure_missing_from_the_catalogue_is_incomplete_once_the_catalogue_is_synced(engine):
    insert_rows(engine, [dossier_row(1), dossier_row(2, procedure_code="1.009999")])
    assert failures(engine) == {}  # no catalogue yet: not judged
    insert_rows(engine, [{"procedure_code": "1.001234", "source": "dvc_portal", "name": "Thủ tục",
                          "updated_at": NOW, "load_id": "L", "loaded_at": NOW}], procedure)
    assert failures(engine) == {"The dossier's procedure is in the national procedure catalogue": ("du", 1)}


def test_stale_data_fails_liveness_with_the_newest_load_time_observed(engine):
    insert_rows(engine, [dossier_row(1, loaded_at=NOW - timedelta(days=3)),
                         dossier_row(2, loaded_at=NOW - timedelta(days=2))])
    outcome = check(engine, dossier, DOSSIER_SUITE, now=NOW)
    live = next(r for r in outcome.results if r.expectation_type == "expect_column_max_to_be_between")
    assert not live.success and live.observed_value == NOW - timedelta(days=2)
    assert failures(engine) == {"Data was synchronised within the last 26 hours": ("song", None)}


def test_a_due_date_missing_on_few_dossiers_passes_at_95_percent(engine):
    insert_rows(engine, [dossier_row(n, due_at=None if n == 1 else NOW) for n in range(1, 21)])
    due = next(r for r in check(engine, dossier, DOSSIER_SUITE, now=NOW).results if r.column_name == "due_at")
    assert due.success and (due.unexpected_count, due.unexpected_percent) == (1, 5.0)


def test_unexpected_rows_are_named_by_example_dossier_numbers(engine):
    insert_rows(engine, [dossier_row(1), dossier_row(2, status_code=12), dossier_row(3, day=date(2025, 8, 18),
                                                                                    status_code=0)])
    status = check(engine, dossier, DOSSIER_SUITE, now=NOW).results[0]
    assert status.examples == ("H52.1-250817-0002", "H52.1-250818-0003")


def _unkeyed_copy(engine) -> Table:
    """The dossier columns without the primary key, as a staging table would have them."""
    table = Table("dossier_unkeyed", MetaData(), *(Column(c.name, c.type, nullable=c.nullable) for c in dossier.c))
    table.create(engine)
    return table


def test_duplicate_dossier_numbers_are_found_where_no_key_forbids_them(engine):
    table = _unkeyed_copy(engine)
    insert_rows(engine, [dossier_row(1), dossier_row(9, day=date(2025, 8, 18), dossier_id="H52.1-250817-0001"),
                         dossier_row(2)], table)
    assert failures(engine, table) == {"Dossier numbers are unique": ("sach", 2)}


def test_uniqueness_of_the_warehouse_dossiers_is_answered_by_the_primary_key(engine):
    insert_rows(engine, [dossier_row(1), dossier_row(2)])
    unique = next(r for r in check(engine, dossier, DOSSIER_SUITE, now=NOW).results
                  if r.expectation_type == "expect_column_values_to_be_unique")
    assert unique.success and unique.observed_value == "primary key"
    assert (unique.element_count, unique.unexpected_count) == (2, 0)


def test_an_empty_warehouse_checks_nothing(engine):
    outcome = check(engine, dossier, DOSSIER_SUITE, now=NOW)
    assert (outcome.results, outcome.rows_checked, outcome.partitions) == ([], 0, 0)


def test_the_grouped_sql_counts_exactly_what_great_expectations_counts_per_day(engine):
    """Every translated expectation, per day partition, against GE's own SQL data source."""
    insert_rows(engine, [
        dossier_row(1), dossier_row(2, status_code=12, channel="fax", commune_code=None),
        dossier_row(3, status_code=9, finished_at=NOW - timedelta(days=5), due_at=None, owner_id_kind="invalid"),
        dossier_row(4, day=date(2025, 8, 18), dossier_id="bad number", updated_at=NOW + timedelta(days=1)),
        dossier_row(5, day=date(2025, 8, 18), status_code=10, finished_at=NOW, due_at=None),
        dossier_row(6, day=date(2025, 8, 18), due_at=NOW - timedelta(days=1), updated_at=NOW - timedelta(days=2)),
    ])
    expectations = list(enumerate(dossier_expectations(NOW)))
    checks = [c for c in (row_check(n, e, dossier) for n, e in expectations) if c]
    assert len(checks) == 15  # every row-by-row expectation of the suite is translated
    with engine.connect() as conn:
        by_sql = count_units(conn, dossier, "received_date", "loaded_at", Units.of(dossier, None, "t", None, None),
                             None, checks, single_key(dossier)).by_day(conn)
    by_gx = gx_sql.validate_partitions(engine, dossier, "received_date", by_sql,
                                       [(c.number, c.expectation) for c in checks])
    assert set(by_gx) == {DAY, date(2025, 8, 18)}
    for day, counted in by_sql.items():  # GE's own SQL expectation reports no row counts, only its verdict
        assert [(r.expectation_no, r.success, r.counts if gx_r.counts else None)
                for r, gx_r in zip(counted.results, by_gx[day])] == \
               [(r.expectation_no, r.success, r.counts) for r in by_gx[day]]
    assert sum(r.counts.unexpected_count for day in by_sql.values() for r in day.results) == 11
    overdue = [(n, e) for n, e in expectations if getattr(e, "unexpected_rows_query", None) == OVERDUE_WITHOUT_UPDATE]
    (by_gx_whole,) = gx_sql.validate_table(engine, dossier, overdue)
    assert by_gx_whole.observed_value == sum(r.counts.unexpected_count for day in by_sql.values()
                                             for r in day.results if r.expectation_no == overdue[0][0]) == 1


def test_an_expectation_without_a_sql_translation_is_validated_by_great_expectations(engine):
    def commune_codes(now):
        return [gx.expectations.ExpectColumnValueLengthsToEqual(
            column="commune_code", value=5, meta={"dimension": "dung", "description_vi": "Mã xã 5 ký tự",
                                                  "description_en": "Commune codes have 5 characters"})]

    suite = DatasetSuite("dossier", "commune_code_length", "received_date", "loaded_at", commune_codes)
    insert_rows(engine, [dossier_row(1), dossier_row(2, commune_code="0004"), dossier_row(3, commune_code=None)])
    outcome = check(engine, dossier, suite, now=NOW)
    (result,) = outcome.results
    assert (result.success, result.element_count, result.unexpected_count) == (False, 3, 1)
    assert result.unexpected_percent == 50.0  # of the two codes present, as GE counts it
