"""A failing command says what was wrong in one line on stderr, with the exit code of its class
(2 usage, 3 configuration, 4 warehouse, 5 source unreachable, 6 quality gate, 1 unexpected), the
traceback in var/logs/lienthong.log and on stderr only when asked; never a password.

The faithful cases run ``python -m hub.cli`` as a user would; the many small ones go through Typer's
CliRunner in this process, which runs the same command objects with stderr kept apart."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from hub.warehouse.ready import code_heads
from hub import pipeline
from hub.cli import app
from tests.postgres import _free_port
from tests.test_cli import CLI, _env

SECRET = "s3cret-Pa55-never-shown"


@pytest.fixture
def user(tmp_path, monkeypatch):
    """A user's shell: no LIENTHONG_* from outside, an empty var dir, no config file; English messages,
    which most of these specifications quote (the Vietnamese default has its own below)."""
    for name in [n for n in os.environ if n.startswith("LIENTHONG_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIENTHONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LIENTHONG_REPORT_LANGUAGE", "en")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.fixture
def vietnamese_user(user, monkeypatch):
    """The same shell with no language chosen: messages are in Vietnamese."""
    monkeypatch.delenv("LIENTHONG_REPORT_LANGUAGE")
    return user


def lienthong(*args: str, **env: str):
    return CliRunner().invoke(app, list(args), env=env)


def assert_one_line_error(result, exit_code: int, *words: str, logged: bool = True) -> str:
    """The command exited with its class's code, saying what was wrong in at most three lines."""
    stderr = result.stderr
    assert result.exit_code == exit_code, (result.exit_code, result.output, result.exception)
    lines = stderr.strip().splitlines()
    assert 1 <= len(lines) <= 3, stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in stderr, (word, stderr)
    if logged:
        assert "lienthong.log" in stderr  # says where the details are
    return stderr


def _log(home: Path) -> str:
    return (home / "var" / "logs" / "lienthong.log").read_text(encoding="utf-8")


def _systems(stack) -> dict[str, str]:
    """Every simulator of a running sandbox as LIENTHONG_<SYSTEM>_* settings."""
    env = {}
    for name, entry in stack.endpoints.items():
        prefix = f"LIENTHONG_{name.upper()}_"
        env[prefix + "URL"] = entry["url"]
        env.update({prefix + field.upper(): entry[field] for field in ("username", "password") if entry.get(field)})
        env[prefix + "OPTIONS"] = json.dumps(entry.get("options", {}))
    return env


def _unreachable_portal() -> dict[str, str]:
    """The portal at a port where nothing listens, with 2 quick retries (3 tries)."""
    return {"LIENTHONG_DVC_PORTAL_URL": f"http://127.0.0.1:{_free_port()}",
            "LIENTHONG_DVC_PORTAL_OPTIONS": json.dumps({"retries": 2, "backoff_factor": 0.05})}


# --- the warehouse ----------------------------------------------------------------------------------
def test_with_auto_migrate_off_report_on_an_empty_warehouse_exits_4_naming_db_upgrade(tmp_path):
    env = {**_env(tmp_path), "LIENTHONG_AUTO_MIGRATE": "false"}
    completed = subprocess.run(CLI + ["report"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 4, completed.stdout + completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "`lienthong db upgrade`" in completed.stderr and "LIENTHONG_AUTO_MIGRATE" in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "Traceback" in _log(tmp_path)  # the whole story is in the log file


@pytest.mark.parametrize("command", [["health"], ["check"], ["publish"], ["sync", "dvc_portal", "--partition", "H52"],
                                     ["run", "--source", "dvc_portal"], ["db", "grant-dashboard", "--print"]])
def test_with_auto_migrate_off_no_command_touches_an_empty_warehouse(user, command):
    # The portal is configured (never called): configuration is checked before the warehouse.
    result = lienthong(*command, LIENTHONG_AUTO_MIGRATE="off", LIENTHONG_DVC_PORTAL_URL="http://127.0.0.1:9")
    assert_one_line_error(result, 4, "`lienthong db upgrade`")
    assert inspect(create_engine(f"sqlite:///{user / 'var' / 'lienthong.db'}")).get_table_names() == []


def test_after_db_upgrade_the_same_commands_work_with_auto_migrate_off(user):
    assert lienthong("db", "upgrade", LIENTHONG_AUTO_MIGRATE="false").exit_code == 0
    for command in (["report"], ["health"], ["check"], ["publish"]):
        result = lienthong(*command, LIENTHONG_AUTO_MIGRATE="false")
        assert result.exit_code == 0, (command, result.output)


@pytest.mark.parametrize("command", [["report"], ["health", "--probe"], ["sync", "dvc_portal", "--partition", "H52"],
                                     ["check"], ["publish", "--from", "2025-07-01", "--to", "2025-08-19"],
                                     ["run", "--source", "dvc_portal_reporting"]])
def test_every_command_works_first_thing_on_an_empty_var_dir_against_the_sandbox(user, sandbox, command):
    result = lienthong(*command, **_systems(sandbox))
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Traceback" not in result.output
    engine = create_engine(f"sqlite:///{user / 'var' / 'lienthong.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() in code_heads()


def test_a_warehouse_newer_than_the_code_exits_4(user):
    assert lienthong("db", "upgrade").exit_code == 0
    engine = create_engine(f"sqlite:///{user / 'var' / 'lienthong.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    result = lienthong("db", "upgrade")
    assert_one_line_error(result, 4, "0099", "does not know")


# --- configuration ----------------------------------------------------------------------------------
def test_a_db_url_that_is_not_a_url_exits_3_naming_the_setting_and_the_value(user):
    assert_one_line_error(lienthong("check", LIENTHONG_DB_URL="notaurl"), 3, "LIENTHONG_DB_URL", "'notaurl'",
                          "sqlite:///")


def test_an_unparseable_db_url_never_shows_its_password(user):
    stderr = assert_one_line_error(lienthong("report", LIENTHONG_DB_URL=f"postgresql//admin:{SECRET}@db/x"), 3,
                                   "LIENTHONG_DB_URL")
    assert SECRET not in stderr and SECRET not in _log(user)


def test_a_refused_postgres_connection_exits_4_without_the_password(user):
    url = f"postgresql://lienthong:{SECRET}@127.0.0.1:{_free_port()}/warehouse"
    result = lienthong("report", LIENTHONG_DB_URL=url)
    stderr = assert_one_line_error(result, 4, "cannot connect", "Connection refused", "lienthong:***@127.0.0.1")
    assert SECRET not in result.output and SECRET not in _log(user)


def test_a_postgres_role_that_does_not_exist_exits_4_without_the_password(user, pg_url):
    url = make_url(pg_url).set(username="no_such_lienthong_role", password=SECRET).render_as_string(hide_password=False)
    result = lienthong("health", LIENTHONG_DB_URL=url)
    assert_one_line_error(result, 4, "cannot connect", "no_such_lienthong_role", "does not exist")
    assert SECRET not in result.output and SECRET not in _log(user)


def test_a_system_with_no_configuration_exits_3_saying_how_to_configure_it(user):
    assert_one_line_error(lienthong("sync", "dvc_portal"), 3, "dvc_portal", "LIENTHONG_DVC_PORTAL_URL",
                          "lienthong sandbox up")


def test_run_with_no_system_configured_exits_3_instead_of_publishing_nothing(user):
    result = lienthong("run")
    assert_one_line_error(result, 3, "no system is configured", "lienthong sandbox up", "lienthong doctor")
    assert "skipped, not configured" in result.stdout  # each source said why it was left out


def test_a_dashboard_role_on_the_sqlite_warehouse_exits_3_naming_the_setting(user):
    assert_one_line_error(lienthong("db", "grant-dashboard"), 3, "PostgreSQL feature", "LIENTHONG_DB_URL")


def test_an_invalid_setting_exits_3(user):
    assert_one_line_error(lienthong("report", LIENTHONG_AUTO_MIGRATE="sometimes"), 3, "LIENTHONG_AUTO_MIGRATE")


# --- usage ------------------------------------------------------------------------------------------
def test_an_unknown_source_exits_2_suggesting_the_nearest(user):
    assert_one_line_error(lienthong("sync", "dvc_portl"), 2, "'dvc_portl'", "did you mean 'dvc_portal'")
    assert_one_line_error(lienthong("run", "--source", "land_registy"), 2, "did you mean 'land_registry'")


@pytest.mark.parametrize("command, words", [
    (["publish", "--from", "2025-13-01"], ["--from", "'2025-13-01'", "YYYY-MM-DD"]),
    (["run", "--to", "19/08/2025"], ["--to", "'19/08/2025'", "YYYY-MM-DD"]),
    (["publish", "--from", "2025-08-19", "--to", "2025-07-01"], ["--from 2025-08-19 is after --to 2025-07-01"]),
])
def test_invalid_dates_and_reversed_periods_exit_2_before_any_work(user, command, words):
    assert_one_line_error(lienthong(*command), 2, *words)
    assert not (user / "var" / "lienthong.db").exists()


@pytest.mark.parametrize("command, words", [
    (["sync"], ["Missing argument 'source'", "sync --help"]),
    (["publsh"], ["No such command 'publsh'", "'publish'"]),
    (["sync", "dvc_portal", "--workers", "0"], ["--workers", "greater than or equal to 1"]),
    (["report", "--lang", "fr"], ["--lang 'fr'", "vi or en"]),
])
def test_usage_mistakes_caught_by_the_parser_are_one_line_too(user, command, words):
    assert_one_line_error(lienthong(*command), 2, *words, logged="--lang" in command)


def test_an_unknown_partition_exits_2_naming_the_nearest_before_the_warehouse_is_touched(user):
    result = lienthong("sync", "dvc_portal", "--partition", "H52", "--partition", "H99",
                       LIENTHONG_DVC_PORTAL_URL="http://127.0.0.1:9")
    assert_one_line_error(result, 2, "dvc_portal has no partition 'H99'", "did you mean")
    assert not (user / "var" / "lienthong.db").exists()


@pytest.mark.parametrize("url, words", [
    ("notaurl", ["'notaurl'", "LIENTHONG_DVC_PORTAL_URL", "https://host"]),
    (f"http://lienthong:{SECRET}@portal:99999", ["'http://***@portal:99999'", "is not a URL"]),
])
def test_a_system_url_that_is_not_a_url_exits_3_before_any_call_and_hides_credentials(user, url, words):
    result = lienthong("sync", "dvc_portal", LIENTHONG_DVC_PORTAL_URL=url)
    assert_one_line_error(result, 3, *words)
    assert SECRET not in result.output and SECRET not in _log(user)


@pytest.mark.parametrize("command", [["sandbox", "up", "--scenario", "dmeo"], ["demo", "--scenario", "dmeo"]])
def test_an_unknown_scenario_exits_2_suggesting_the_nearest(user, command):
    assert_one_line_error(lienthong(*command), 2, "unknown scenario 'dmeo'", "did you mean 'demo'", "national-2025-08-10")
    assert not (user / "var" / "sandbox" / "sandbox.pid").exists()


def test_sandbox_up_for_another_scenario_than_the_running_one_says_which_runs_and_how_to_restart(user):
    state = user / "var" / "sandbox"
    state.mkdir(parents=True)
    (state / "sandbox.pid").write_text(str(os.getpid()))  # a live process stands for the running sandbox
    (state / "scenario").write_text("demo")
    result = lienthong("sandbox", "up", "--scenario", "national-2025-08-10")
    assert_one_line_error(result, 2, "already running scenario 'demo'", f"pid {os.getpid()}",
                          "`lienthong sandbox down`", "`lienthong sandbox up --scenario national-2025-08-10`")
    same = lienthong("sandbox", "up", "--scenario", "demo")
    assert same.exit_code == 0 and "already running scenario 'demo'" in same.stdout


# --- sources and quality ----------------------------------------------------------------------------
def test_a_source_that_cannot_be_reached_exits_5_after_showing_each_retry(user):
    unreachable = _unreachable_portal()
    result = lienthong("sync", "dvc_portal", "--partition", "H52", **unreachable)
    assert_one_line_error(result, 5, "could not reach the system", "dvc_portal H52: dvc_portal login",
                          "gave up after 3 tries in", "LIENTHONG_<SYSTEM>_URL")
    assert "dvc_portal login: connection refused, retry 1/2 in 0 s" in result.stdout
    assert "dvc_portal login: connection refused, retry 2/2 in" in result.stdout


def test_partitions_synced_in_worker_processes_show_their_retries_on_the_parent_progress_line(user):
    unreachable = _unreachable_portal()
    result = lienthong("sync", "dvc_portal", "--partition", "H52", "--partition", "H01", "--workers", "2",
                       **unreachable)
    assert_one_line_error(result, 5, "could not reach the system", "2 partition(s) failed", "gave up after 3 tries in")
    # each partition's login: 3 tries, 2 retries announced, whichever worker made them
    assert result.stdout.count("dvc_portal login: connection refused, retry 1/2 in") == 2
    assert result.stdout.count("dvc_portal login: connection refused, retry 2/2 in") == 2


def test_health_probe_shows_each_retry_and_how_long_it_tried_before_giving_up(user):
    unreachable = _unreachable_portal()
    result = lienthong("health", "--probe", **unreachable)
    assert result.exit_code == 0, result.output  # a probe reports what it found
    assert "probe dvc_portal: dvc_portal login: connection refused, retry 1/2 in 0 s" in result.stdout
    assert "probe dvc_portal: dvc_portal login: connection refused, retry 2/2 in" in result.stdout
    assert "probe dvc_portal: reset, gave up after 3 tries in" in result.stdout


def test_the_quality_gate_exits_6_when_an_expectation_fails(user, sandbox):
    assert lienthong("check", "--gate").exit_code == 0  # no dossiers yet: nothing failed
    assert lienthong("sync", "dvc_portal", "--partition", "H52", **_systems(sandbox)).exit_code == 0
    assert lienthong("check").exit_code == 0  # without --gate, failed checks are results, not errors
    # The demo's owners include placeholder and malformed IDs: the đúng check on ID kinds fails.
    assert_one_line_error(lienthong("check", "--gate"), 6, "quality gate", "(owner_id_kind)")


# --- unexpected errors and debugging ----------------------------------------------------------------
def test_an_unexpected_error_exits_1_naming_its_type(user, monkeypatch):
    def broken(settings):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "check", broken)
    assert_one_line_error(lienthong("check"), 1, "unexpected error ZeroDivisionError")
    assert "ZeroDivisionError" in _log(user)


def test_the_traceback_is_shown_with_debug_or_lienthong_debug(user):
    for result in (lienthong("--debug", "publish", "--from", "x"), lienthong("publish", "--from", "x", LIENTHONG_DEBUG="1")):
        assert result.exit_code == 2
        assert "Traceback" in result.stderr and "UsageProblem" in result.stderr


# --- language ---------------------------------------------------------------------------------------
def test_with_no_language_chosen_a_usage_mistake_is_said_in_vietnamese(vietnamese_user):
    assert_one_line_error(lienthong("publish", "--from", "2025-13-01"), 2,
                          "--from '2025-13-01' không phải là ngày", "YYYY-MM-DD", "chi tiết:")
    assert_one_line_error(lienthong("sync", "dvc_portl"), 2, "không có nguồn 'dvc_portl'", "có phải là 'dvc_portal'")
    assert_one_line_error(lienthong("sync"), 2, "lệnh không hợp lệ", "Missing argument", "(xem `", "sync --help`)",
                          logged=False)


def test_with_no_language_chosen_a_warehouse_behind_the_code_is_said_in_vietnamese(vietnamese_user):
    result = lienthong("report", LIENTHONG_AUTO_MIGRATE="false")
    assert_one_line_error(result, 4, "kho dữ liệu", "LIENTHONG_AUTO_MIGRATE đang tắt: chạy `lienthong db upgrade`")
    assert "this version of LienThong needs" in _log(vietnamese_user)  # the log keeps the English text


def test_with_no_language_chosen_an_unreachable_source_and_its_retries_are_said_in_vietnamese(vietnamese_user):
    unreachable = _unreachable_portal()
    result = lienthong("sync", "dvc_portal", "--partition", "H52", **unreachable)
    assert_one_line_error(result, 5, "đồng bộ thất bại: không kết nối được hệ thống", "bỏ cuộc sau 3 lần thử trong",
                          "LIENTHONG_<SYSTEM>_URL")
    assert "dvc_portal login: bị từ chối kết nối, thử lại lần 1/2 sau 0 s" in result.stdout
    assert "dvc_portal login: bị từ chối kết nối, thử lại lần 2/2 sau" in result.stdout
    assert "phân vùng H52 thất bại: SourceError: dvc_portal login: reset (ConnectionError; bỏ cuộc sau 3 lần thử" \
        in result.stdout


def test_with_no_language_chosen_a_system_url_that_is_not_a_url_is_said_in_vietnamese(vietnamese_user):
    assert_one_line_error(lienthong("sync", "dvc_portal", LIENTHONG_DVC_PORTAL_URL="notaurl"), 3,
                          "'notaurl'", "không phải là URL có thể kết nối tới", "LIENTHONG_DVC_PORTAL_URL")


def test_lang_en_before_the_command_overrides_the_vietnamese_default(vietnamese_user):
    assert_one_line_error(lienthong("--lang", "en", "publish", "--from", "2025-13-01"), 2,
                          "--from '2025-13-01' is not a date", "(details:")
    assert_one_line_error(lienthong("--lang", "fr", "publish"), 2, "--lang 'fr'", "vi hoặc en")

