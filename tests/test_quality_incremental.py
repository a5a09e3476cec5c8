"""Quality checks are incremental: a day partition is checked again only when its rows (or the suite)
change, and the warehouse keeps each day's results so the dataset's totals stay whole."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import great_expectations as gx
import pytest
from sqlalchemy import delete, func, select, text, update

from hub import pipeline
from hub.quality_store import check, store
from hub.warehouse.db import create_warehouse_engine
from hub.warehouse.migrate import upgrade
from hub.warehouse.schema import dossier, quality_partition, quality_partition_result, quality_result, quality_run
from quality.run import check_dataset
from quality.suites import DatasetSuite
from quality.suites.dossiers import DOSSIER_SUITE
from tests.test_quality import NOW, dossier_row, insert_rows

DAY_1, DAY_2, DAY_3 = date(2025, 8, 16), date(2025, 8, 17), date(2025, 8, 18)


def _status(outcome):
    return next(r for r in outcome.results if r.column_name == "status_code")


def _three_days(engine):
    insert_rows(engine, [dossier_row(1, DAY_1), dossier_row(2, DAY_1, status_code=12), dossier_row(3, DAY_2),
                         dossier_row(4, DAY_3), dossier_row(5, DAY_3)])


def test_a_second_check_of_unchanged_data_checks_no_day_again_and_reports_the_same(engine):
    _three_days(engine)
    first = check(engine, dossier, DOSSIER_SUITE, NOW)
    second = check(engine, dossier, DOSSIER_SUITE, NOW + timedelta(minutes=5))
    assert set(first.rechecked) == {DAY_1, DAY_2, DAY_3} and first.rows_rechecked == 5
    assert second.rechecked == {} and (second.unchanged, second.rows_checked) == (3, 5)
    assert [(r.success, r.unexpected_count) for r in second.results] == \
           [(r.success, r.unexpected_count) for r in first.results]
    assert (_status(second).unexpected_count, _status(second).examples) == (1, ("H52.1-250816-0002",))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(quality_run)).scalar() == 2
        assert conn.execute(select(func.count()).select_from(quality_result)
                            .where(quality_result.c.run_id == second.run_id)).scalar() == 17
        assert conn.execute(select(func.count()).select_from(quality_partition)).scalar() == 3
        assert conn.execute(select(func.count()).select_from(quality_partition_result)).scalar() == 3 * 15


def test_a_day_whose_rows_changed_is_checked_again_alone(engine):
    _three_days(engine)
    check(engine, dossier, DOSSIER_SUITE, NOW)
    with engine.begin() as conn:  # a later load corrects one dossier of day 1 and breaks one of day 3
        conn.execute(update(dossier).where(dossier.c.dossier_id == "H52.1-250816-0002")
                     .values(status_code=4, loaded_at=NOW + timedelta(minutes=1)))
        conn.execute(update(dossier).where(dossier.c.dossier_id == "H52.1-250818-0005")
                     .values(status_code=0, loaded_at=NOW + timedelta(minutes=1)))
    later = check(engine, dossier, DOSSIER_SUITE, NOW + timedelta(minutes=5))
    assert set(later.rechecked) == {DAY_1, DAY_3} and later.unchanged == 1 and later.rows_rechecked == 4
    assert (_status(later).unexpected_count, _status(later).examples) == (1, ("H52.1-250818-0005",))


def test_a_new_dossier_on_a_day_changes_its_row_count_and_is_checked(engine):
    _three_days(engine)
    check(engine, dossier, DOSSIER_SUITE, NOW)
    insert_rows(engine, [dossier_row(6, DAY_2, channel="fax", loaded_at=NOW - timedelta(hours=3))])  # an older load
    later = check(engine, dossier, DOSSIER_SUITE, NOW + timedelta(minutes=5))
    assert set(later.rechecked) == {DAY_2} and later.rows_checked == 6
    assert next(r for r in later.results if r.column_name == "channel").unexpected_count == 1


def test_a_day_left_without_rows_leaves_the_results(engine):
    _three_days(engine)
    check(engine, dossier, DOSSIER_SUITE, NOW)
    with engine.begin() as conn:
        conn.execute(delete(dossier).where(dossier.c.received_date == DAY_1))
    later = check(engine, dossier, DOSSIER_SUITE, NOW + timedelta(minutes=5))
    assert later.removed == (DAY_1,) and later.rechecked == {} and later.rows_checked == 3
    assert _status(later).success and _status(later).unexpected_count == 0
    with engine.connect() as conn:
        assert sorted(conn.execute(select(quality_partition.c.partition_date)).scalars()) == [DAY_2, DAY_3]


def test_a_changed_suite_checks_every_day_again(engine):
    _three_days(engine)
    check(engine, dossier, DOSSIER_SUITE, NOW)

    def status_only(now):
        return [gx.expectations.ExpectColumnValuesToBeBetween(
            column="status_code", min_value=1, max_value=12,
            meta={"dimension": "dung", "description_vi": "Trạng thái 1–12", "description_en": "Status 1–12"})]

    widened = check(engine, dossier, DatasetSuite("dossier", "status_only", "received_date", "loaded_at", status_only),
                    NOW + timedelta(minutes=5))
    assert set(widened.rechecked) == {DAY_1, DAY_2, DAY_3} and widened.success


def test_an_empty_warehouse_is_checked_without_error_and_says_so(tmp_path):
    env = {"LIENTHONG_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    cli = [sys.executable, "-m", "hub.cli"]
    assert subprocess.run(cli + ["db", "upgrade"], env=env, capture_output=True, timeout=300).returncode == 0
    checked = subprocess.run(cli + ["check"], env=env, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr
    assert "chưa có hồ sơ nào để kiểm tra" in checked.stdout


def test_the_pipeline_stage_stores_the_run_it_returns(engine, settings):
    insert_rows(engine, [dossier_row(1), dossier_row(2, commune_code=None)])
    outcome = pipeline.check(settings).of("dossier")
    assert outcome.rows_checked == 2 and not outcome.success
    with engine.connect() as conn:
        run = conn.execute(select(quality_run).where(quality_run.c.run_id == outcome.run_id)).mappings().one()
        stored = conn.execute(select(quality_result.c.description_en, quality_result.c.unexpected_count)
                              .where(quality_result.c.run_id == outcome.run_id, ~quality_result.c.success)).all()
    assert (run["rows_checked"], run["expectations"], run["expectations_passed"]) == (2, 17, 15)
    # the commune is missing, and the test rows were loaded long before the pipeline's real "now"
    assert sorted(stored, key=str) == sorted([("The receiving commune is known", 1),
                                              ("Data was synchronised within the last 26 hours", None)], key=str)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_checks_storing_at_once_on_postgresql_take_turns(backend, pg_url):
    engine = create_warehouse_engine(pg_url)
    try:
        upgrade(engine)
        _three_days(engine)
        errors = []
        with engine.connect() as holder, engine.connect() as other:  # each check stores on its connection
            first, second = (check_dataset(conn, dossier, DOSSIER_SUITE, {}, NOW) for conn in (holder, other))
            holder.commit()
            other.commit()
            holder.begin()
            store(holder, first)  # holds its rows uncommitted

            def store_second():
                try:
                    with other.begin():
                        store(other, second)
                except Exception as exc:  # a unique-key violation if the two interleaved
                    errors.append(exc)

            waiting = threading.Thread(target=store_second)
            waiting.start()
            with engine.connect() as probe:  # the second writer is now waiting for the first
                for _ in range(200):
                    if probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                          "AND datname = current_database()")).scalar():
                        break
                    time.sleep(0.05)
                else:
                    pytest.fail("the second writer never waited")
            holder.commit()
            waiting.join(timeout=60)
        assert errors == []
        with engine.connect() as conn:
            assert set(conn.execute(select(quality_partition.c.run_id)).scalars()) == {second.run_id}
    finally:
        engine.dispose()
