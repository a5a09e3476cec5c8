"""bench/national.py end to end at a tiny scale: every stage runs as a measured child process against
a real sandbox and real PostgreSQL, lands in the JSON, and nothing the bench created is left behind."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BACKFILL_SOURCES = ("dvc_portal", "dvc_portal_catalogue", "dvc_portal_reporting", "monitoring")


def _tiny_scenario(tmp_path: Path) -> Path:
    """The national scenario with one week of monitoring reports: the portal's volume follows
    --scale, the monitoring system's daily reports from every commune do not."""
    path = tmp_path / "bench-smoke.yaml"
    path.write_text(f"extends: {ROOT / 'sandbox' / 'scenarios' / 'national-2025-08-24.yaml'}\n"
                    "name: bench-smoke\n"
                    "systems:\n  monitoring: {start: '2025-08-18', end: '2025-08-24'}\n")
    return path


def _existing_databases(admin_url: str, names: list[str]) -> list[str]:
    conninfo = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (names,)).fetchall()
    return [name for (name,) in rows]


@pytest.mark.postgres
@pytest.mark.timeout(900)  # about fifteen hub CLI processes, each paying the hub's import time
def test_the_national_bench_measures_every_stage_on_postgres(pg_admin_url, tmp_path):
    out = tmp_path / "national.json"
    with_dlt = importlib.util.find_spec("dlt") is not None
    argv = [sys.executable, str(ROOT / "bench" / "national.py"), "--scenario", str(_tiny_scenario(tmp_path)),
            "--scale", "0.002", "--baseline-partitions", "H52", "H18", "--pg-admin-url", pg_admin_url,
            "--out", str(out)] + ([] if with_dlt else ["--skip-dlt"])

    completed = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=880)

    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    result = json.loads(out.read_text())
    stages = {(s["group"], s["name"]): s for s in result["stages"]}
    expected = [("baseline", "raw fetch (requests + orjson)"), ("baseline", "raw fetch + COPY + merge"),
                ("like-for-like", "sync dvc_portal H52 H18")]
    expected += [("baseline", "dlt merge (tuned, csv/COPY)")] if with_dlt else []
    for group in ("backfill", "increment"):
        expected += [(group, f"sync {source}") for source in BACKFILL_SOURCES] + [(group, "check")]
    assert set(expected) <= set(stages)
    publishes = [s for s in result["stages"] if s["name"].startswith("publish")]
    assert [s["group"] for s in publishes] == ["backfill", "increment"]
    assert "(50 d)" in publishes[0]["name"] and "(1 d)" in publishes[1]["name"]
    for stage in [stages[key] for key in expected] + publishes:
        assert stage["records"] > 0 and stage["wall_s"] > 0 and stage["peak_rss_mib"] > 0, stage

    # Like for like: every baseline read exactly the dossiers the hub's partition sync fetched.
    assert result["same_pages"] is True
    # The increment reads one simulated day's updates, not the whole backfill again.
    backfill, increment = stages[("backfill", "sync dvc_portal")], stages[("increment", "sync dvc_portal")]
    assert 0 < increment["records"] < backfill["records"] / 2
    assert result["increment"]["sandbox_clock_after"] > result["increment"]["sandbox_clock_before"]
    assert result["warehouse_bytes_after_backfill"] > 0

    targets = {t["name"]: t for t in result["targets"]}
    assert len(targets) == 9 and all(t["passed"] in (True, False, None) for t in targets.values())
    assert targets["hub peak RSS vs the --compare run (larger / smaller)"]["passed"] is None  # no --compare
    assert "PASS" in completed.stdout or "FAIL" in completed.stdout

    assert result["databases"] and not _existing_databases(pg_admin_url, result["databases"])
