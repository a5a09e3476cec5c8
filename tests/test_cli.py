"""The ``lienthong`` command: help everywhere, and sandbox up -> run -> report -> down as a user types it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from hub.warehouse.schema import metric_online_filing_rate

CLI = [sys.executable, "-m", "hub.cli"]


def _run(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update({"LIENTHONG_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200",
                "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    return env


def test_help_lists_every_stage_command(tmp_path):
    completed = _run(["--help"], _env(tmp_path), tmp_path)
    assert completed.returncode == 0
    for command in ("sandbox", "db", "sync", "check", "publish", "run", "demo", "report", "health", "serve"):
        assert command in completed.stdout
    assert "up" in _run(["sandbox", "--help"], _env(tmp_path), tmp_path).stdout


def test_sandbox_up_then_run_fills_the_metrics_and_writes_the_report(tmp_path):
    env = _env(tmp_path)
    up = _run(["sandbox", "up"], env, tmp_path)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        run = _run(["run", "--source", "dvc_portal", "--from", "2025-07-01", "--to", "2025-08-19"], env, tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "fetched 3,350 = loaded" in run.stdout
        assert "Toàn quốc" in run.stdout
        health = _run(["health"], env, tmp_path)
        assert "dvc_portal" in health.stdout and "ok" in health.stdout
    finally:
        down = _run(["sandbox", "down"], env, tmp_path)
    assert down.returncode == 0 and "stopped" in down.stdout
    report = tmp_path / "var" / "reports" / "lienthong-report-vi.html"
    assert "Tỷ lệ hồ sơ nộp trực tuyến" in report.read_text(encoding="utf-8")
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'lienthong.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(metric_online_filing_rate)).scalar() == 35


def test_the_report_speaks_english_on_request(tmp_path):
    env = _env(tmp_path)
    assert _run(["db", "upgrade"], env, tmp_path).returncode == 0
    completed = _run(["report", "--lang", "en"], env, tmp_path)
    assert completed.returncode == 0
    html = (tmp_path / "var" / "reports" / "lienthong-report-en.html").read_text(encoding="utf-8")
    assert "Online filing rate" in html and 'lang="en"' in html
