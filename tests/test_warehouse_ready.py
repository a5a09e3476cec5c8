"""The warehouse is never half-ready: whoever needs it migrates it first, once, under a lock shared by
every process (``db upgrade`` included), or, with automatic migration off, stops naming the command.
On SQLite and PostgreSQL."""
from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select, text

from hub import pipeline
from hub.settings import InvalidSetting, Settings
from hub.warehouse.db import create_warehouse_engine
from hub.warehouse.migrate import upgrade
from quality.suites.catalog import SUITES
from hub.warehouse.ready import (WarehouseNewerThanCode, WarehouseNotReady, code_heads, ensure_current,
                                 migration_lock, upgrade_locked)
from hub.warehouse.schema import admin_province, quality_run
from tests.conftest import TEST_PII_KEY
from tests.test_cli import CLI, _env

(HEAD,) = code_heads()  # the newest migration the code knows
WORKERS = 4


@pytest.fixture
def fresh(db_url):
    """An engine of our own on an empty warehouse (not the shared one: its readiness is cached)."""
    engine = create_warehouse_engine(db_url)
    yield engine
    engine.dispose()


def _revisions(engine) -> list[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _provinces(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(admin_province)).scalar()


def test_the_code_head_is_the_newest_migration():
    assert code_heads() == {HEAD}


def _race(db_url: str, var_dir: str, explicit: bool, barrier, results) -> None:
    """One process of the race: wait for the others, then `db upgrade` or a stage's ensure step."""
    try:
        settings = Settings(var_dir=Path(var_dir), db_url=db_url, pii_key=TEST_PII_KEY)
        barrier.wait(timeout=120)
        if explicit:
            pipeline.upgrade_warehouse(settings)
        else:
            pipeline.ready_warehouse(settings)
        results.put("ok")
    except BaseException:
        results.put(traceback.format_exc())


def test_processes_migrating_one_empty_warehouse_at_the_same_moment_all_succeed_and_it_ends_at_head_once(
        db_url, fresh, tmp_path):
    # Spawned, not forked: each is a fresh interpreter, as Airflow workers and CLI runs are; the
    # barrier releases them together once all have imported everything.
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    workers = [context.Process(target=_race, args=(db_url, str(tmp_path / "var"), n % 2 == 0, barrier, results))
               for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == ["ok"] * WORKERS, "\n".join(outcomes)
    assert _revisions(fresh) == [HEAD]
    assert _provinces(fresh) == 34


def test_db_upgrade_waits_for_the_migration_lock_and_migrates_once_it_is_released(db_url, fresh, tmp_path):
    env = {**_env(tmp_path), "LIENTHONG_DB_URL": db_url}
    log = tmp_path / "var" / "logs" / "lienthong.log"
    with migration_lock(fresh):
        process = subprocess.Popen(CLI + ["db", "upgrade"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 240
        while "waiting for the migration lock" not in (log.read_text() if log.exists() else ""):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "db upgrade never reached the lock"
            time.sleep(0.2)
        time.sleep(0.5)  # had the lock not held it, the migration would be under way by now
        assert process.poll() is None
        assert _revisions(fresh) == []
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, out + err
    assert _revisions(fresh) == [HEAD]


def test_with_auto_migrate_off_an_empty_warehouse_stops_with_the_command_to_run_and_stays_empty(fresh):
    with pytest.raises(WarehouseNotReady, match="lienthong db upgrade") as raised:
        ensure_current(fresh, auto_migrate=False)
    assert "none" in str(raised.value) and HEAD in str(raised.value)
    assert inspect(fresh).get_table_names() == []


def test_a_stage_on_an_empty_warehouse_migrates_it_first(settings):
    pipeline.publish_health(settings)  # before any `db upgrade`: what #16 and #17 found failing
    engine = pipeline.warehouse(settings)
    assert _revisions(engine) == [HEAD]
    assert _provinces(engine) == 34


def test_a_stage_with_auto_migrate_off_stops_before_touching_the_warehouse(tmp_path, db_url):
    settings = Settings(var_dir=tmp_path / "var", db_url=db_url, pii_key=TEST_PII_KEY, auto_migrate=False)
    with pytest.raises(WarehouseNotReady, match="lienthong db upgrade"):
        pipeline.check(settings)
    pipeline.upgrade_warehouse(settings)  # the explicit command migrates whatever the setting says
    assert pipeline.check(settings).rows_checked == 0
    with pipeline.warehouse(settings).connect() as conn:
        assert conn.execute(select(func.count()).select_from(quality_run)).scalar() == len(SUITES)  # one run per dataset


def test_a_warehouse_one_migration_behind_is_brought_to_head(fresh):
    upgrade(fresh, "0005")
    with pytest.raises(WarehouseNotReady, match=f"0005.*{HEAD}"):
        ensure_current(fresh, auto_migrate=False)
    ensure_current(fresh, auto_migrate=True)
    assert _revisions(fresh) == [HEAD]


def test_a_current_warehouse_is_checked_once_per_engine_and_never_written(fresh):
    upgrade_locked(fresh)
    engine = create_warehouse_engine(str(fresh.url.render_as_string(hide_password=False)))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        ensure_current(engine, auto_migrate=False)
        first = list(statements)
        ensure_current(engine, auto_migrate=False)
        assert statements == first  # the second call asks nothing
        assert 1 <= len(first) <= 3
        assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "CREATE", "ALTER", "DELETE"))
                       for s in first)
    finally:
        engine.dispose()


def test_a_warehouse_newer_than_the_code_is_one_clear_error_for_every_path(fresh):
    upgrade_locked(fresh)
    with fresh.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine = create_warehouse_engine(str(fresh.url.render_as_string(hide_password=False)))
    try:
        for attempt in (lambda: ensure_current(engine, auto_migrate=True), lambda: upgrade_locked(engine)):
            with pytest.raises(WarehouseNewerThanCode, match=f"9999.*{HEAD}"):
                attempt()
    finally:
        engine.dispose()
    assert _revisions(fresh) == ["9999"]


def test_one_engine_per_warehouse_url_and_process(settings, tmp_path):
    assert pipeline.warehouse(settings) is pipeline.warehouse(settings)
    other = Settings(var_dir=settings.var_dir, db_url=f"sqlite:///{tmp_path / 'other.db'}", pii_key=TEST_PII_KEY)
    assert pipeline.warehouse(other) is not pipeline.warehouse(settings)


@pytest.mark.parametrize("value, expected", [(None, True), ("true", True), ("1", True), ("false", False),
                                             ("0", False), ("No", False), ("off", False)])
def test_auto_migrate_is_on_unless_switched_off(tmp_path, value, expected):
    environ = {"LIENTHONG_VAR_DIR": str(tmp_path), "LIENTHONG_PII_KEY": "k", "LIENTHONG_CONFIG": str(tmp_path / "none")}
    if value is not None:
        environ["LIENTHONG_AUTO_MIGRATE"] = value
    assert Settings.load(environ).auto_migrate is expected


def test_an_auto_migrate_value_that_is_not_yes_or_no_names_the_setting(tmp_path):
    environ = {"LIENTHONG_VAR_DIR": str(tmp_path), "LIENTHONG_PII_KEY": "k", "LIENTHONG_CONFIG": str(tmp_path / "none"),
               "LIENTHONG_AUTO_MIGRATE": "sometimes"}
    with pytest.raises(InvalidSetting, match="LIENTHONG_AUTO_MIGRATE='sometimes'.*true or false"):
        Settings.load(environ)
