"""Kill the sync with SIGKILL at random points, resume, and find the warehouse equal to a clean run's.

Every batch commits with its checkpoint in one transaction, so a kill mid-page, mid-load or
between load and checkpoint can only lose uncommitted work that the resumed run reads again.
CI runs LIENTHONG_CRASH_KILLS (default 20) kills over the demo scenario; the long run is
``LIENTHONG_CRASH_KILLS=200 .venv/bin/pytest tests/test_crash_resume.py``.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from hub.warehouse.schema import dossier, dossier_attachment, load_run, quarantine, raw_record, sync_checkpoint

REPO = Path(__file__).resolve().parents[1]
KILLS = int(os.environ.get("LIENTHONG_CRASH_KILLS", "20"))


def _env(sandbox, var_dir: Path, db_url: str) -> dict:
    entry = sandbox.endpoints["dvc_portal"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update({
        "LIENTHONG_VAR_DIR": str(var_dir), "LIENTHONG_DB_URL": db_url, "LIENTHONG_PII_KEY": "crash-test-key",
        "LIENTHONG_DVC_PORTAL_URL": entry["url"], "LIENTHONG_DVC_PORTAL_USERNAME": entry["username"],
        "LIENTHONG_DVC_PORTAL_PASSWORD": entry["password"],
        "LIENTHONG_DVC_PORTAL_OPTIONS": json.dumps({**entry["options"], "page_size": 60}),
        "PYTHONPATH": str(REPO),
    })
    return env


def _sync(env: dict, kill_after: float | None = None) -> int | None:
    process = subprocess.Popen([sys.executable, "-m", "hub.cli", "sync", "dvc_portal"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    if kill_after is None:
        return process.wait(timeout=300)
    deadline = time.monotonic() + kill_after
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return None


def _state(db_url: str) -> dict:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        state = {
            "dossier": sorted(tuple(map(str, r)) for r in conn.execute(
                select(*[c for c in dossier.c if c.name not in ("load_id", "loaded_at")]))),
            "attachments": sorted(tuple(map(str, r)) for r in conn.execute(
                select(*[c for c in dossier_attachment.c if c.name not in ("load_id", "loaded_at")]))),
            "quarantine": sorted(conn.execute(select(quarantine.c.record_key, quarantine.c.payload_sha256,
                                                     quarantine.c.reason)).all()),
            "raw": sorted(conn.execute(select(raw_record.c.record_key, raw_record.c.payload_sha256)).all()),
            "checkpointed_partitions": sorted(conn.execute(select(sync_checkpoint.c.partition)).scalars()),
        }
    engine.dispose()
    return state


def _upgrade(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "hub.cli", "db", "upgrade"], env=env, check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)


def test_sigkill_at_random_points_then_resume_equals_a_clean_run(sandbox, tmp_path):
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    clean_env = _env(sandbox, tmp_path / "clean", clean_url)
    _upgrade(clean_env)
    started = time.monotonic()
    assert _sync(clean_env) == 0
    duration = time.monotonic() - started  # start-up and sync, on this machine, now
    expected = _state(clean_url)

    crashed_url = f"sqlite:///{tmp_path / 'crashed.db'}"
    env = _env(sandbox, tmp_path / "crashed", crashed_url)
    _upgrade(env)
    rng = random.Random(20250810)
    interrupted = attempts = 0
    # Until KILLS syncs were really killed in flight (an incremental run may finish before its
    # kill: that attempt does not count). Kills land anywhere from late start-up to the last
    # batches: mid-page, mid-load, between a batch and its checkpoint.
    while interrupted < KILLS and attempts < 5 * KILLS:
        attempts += 1
        if rng.random() < 0.5:  # forget watermarks, as a backfill would: a full re-read to interrupt
            _forget_checkpoints(crashed_url)
        before = _running_loads(crashed_url)
        _sync(env, kill_after=rng.uniform(0.45, 1.0) * duration)
        interrupted += _running_loads(crashed_url) > before
    assert interrupted == KILLS, f"only {interrupted} of {attempts} kills interrupted a sync"
    assert _sync(env) == 0
    assert _state(crashed_url) == expected


def _running_loads(url: str) -> int:
    """Load runs left "running": each is a sync killed after it started loading."""
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(load_run).where(load_run.c.status == "running")).scalar()
    engine.dispose()
    return count


def _forget_checkpoints(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sync_checkpoint.delete())
    engine.dispose()
