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

import pytest
from sqlalchemy import create_engine, func, select

from hub.warehouse.raw import iter_raw_records
from tests import postgres
from hub.warehouse.schema import (batch_reconciliation, dossier, dossier_attachment, load_run, quarantine,
                                  sync_checkpoint)

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


def _sync(env: dict) -> int:
    """A whole sync, as the CLI runs it; its exit code."""
    process = subprocess.Popen([sys.executable, "-m", "hub.cli", "sync", "dvc_portal"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    return process.wait(timeout=300)


# Imports the hub once, then per line on stdin forks a child that runs the CLI's sync (its output
# discarded), prints the child's pid, and reaps it and prints its exit code at the next line: the
# hub's import costs seconds of CPU, more than a sync until its kill, and is paid once, not per attempt.
SYNC_FORKER = """
import os, sys
from hub.cli import app
for _ in sys.stdin:
    pid = os.fork()
    if pid == 0:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        try:
            app(["sync", "dvc_portal"])
        except SystemExit as exit:
            os._exit(exit.code if isinstance(exit.code, int) else int(exit.code is not None))
        finally:
            os._exit(1)  # never back into the loop: only the parent forks
    print(pid, flush=True)
    sys.stdin.readline()
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class ForkedSyncs:
    """Sync processes forked from one that has the hub imported; each child stays unreaped (a zombie
    once it ends) until the test has killed it, so its pid never names another process."""

    def __init__(self, env: dict):
        self.forker = subprocess.Popen([sys.executable, "-c", SYNC_FORKER], env=env, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True, cwd=REPO)

    def sync_then_kill(self, db_url: str, kill_after_batches: int, extra_ms: float) -> None:
        """Start a sync and SIGKILL it ``extra_ms`` after it stored ``kill_after_batches`` batches (so the
        kill lands mid-page, mid-load or between a batch and its checkpoint, whatever the machine's speed)."""
        earlier_loads = _load_ids(db_url)
        self._tell("sync")
        pid = int(self.forker.stdout.readline())
        engine = create_engine(db_url)
        try:
            while not _ended(pid) and _batches_of_this_load(engine, earlier_loads) < kill_after_batches:
                time.sleep(0.005)
        finally:
            engine.dispose()
        time.sleep(extra_ms / 1000)
        os.kill(pid, signal.SIGKILL)  # ended or not, it is not reaped yet: the pid is still this child's
        self._tell("reap")
        self.forker.stdout.readline()

    def _tell(self, line: str) -> None:
        self.forker.stdin.write(line + "\n")
        self.forker.stdin.flush()

    def close(self) -> None:
        self.forker.stdin.close()
        self.forker.wait(timeout=30)


def _ended(pid: int) -> bool:
    """The child exited and waits to be reaped (state Z in /proc/<pid>/stat)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def _load_ids(db_url: str) -> set[str]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        ids = set(conn.execute(select(load_run.c.load_id)).scalars())
    engine.dispose()
    return ids


def _batches_of_this_load(engine, earlier_loads: set[str]) -> int:
    """Batches stored by the sync running now (earlier killed loads stay "running" too)."""
    with engine.connect() as conn:
        counts = conn.execute(select(batch_reconciliation.c.load_id, func.count())
                              .group_by(batch_reconciliation.c.load_id)).all()
    return sum(n for load_id, n in counts if load_id not in earlier_loads)


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
            # every distinct version landed once or more, none lost (a re-read unchanged record is not landed again)
            "raw": sorted({(r.record_key, r.payload_sha256) for r in iter_raw_records(engine)}),
            "checkpointed_partitions": sorted(conn.execute(select(sync_checkpoint.c.partition)).scalars()),
        }
    engine.dispose()
    return state


def _upgrade(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "hub.cli", "db", "upgrade"], env=env, check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_warehouses(request, tmp_path):
    """Two empty warehouses on the same database kind: one for the clean run, one to crash."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'clean.db'}", f"sqlite:///{tmp_path / 'crashed.db'}"
        return
    admin = request.getfixturevalue("pg_admin_url")
    urls = postgres.create_database(admin), postgres.create_database(admin)
    yield urls
    for url in urls:
        postgres.drop_database(admin, url)


def test_sigkill_at_random_points_then_resume_equals_a_clean_run(sandbox, tmp_path, two_warehouses):
    clean_url, crashed_url = two_warehouses
    clean_env = _env(sandbox, tmp_path / "clean", clean_url)
    _upgrade(clean_env)
    assert _sync(clean_env) == 0
    expected = _state(clean_url)

    env = _env(sandbox, tmp_path / "crashed", crashed_url)
    _upgrade(env)
    rng = random.Random(20250810)
    interrupted = attempts = 0
    syncs = ForkedSyncs(env)
    try:
        # Until KILLS syncs were really killed in flight (an incremental run may finish before its
        # kill: that attempt does not count). Kills land after 0 to 40 stored batches (a full read is
        # about 57) and up to 80 ms later: mid-page, mid-load, between a batch and its checkpoint.
        while interrupted < KILLS and attempts < 5 * KILLS:
            attempts += 1
            if rng.random() < 0.5:  # forget watermarks, as a backfill would: a full re-read to interrupt
                _forget_checkpoints(crashed_url)
            before = _running_loads(crashed_url)
            syncs.sync_then_kill(crashed_url, kill_after_batches=rng.randint(0, 40), extra_ms=rng.uniform(0, 80))
            interrupted += _running_loads(crashed_url) > before
    finally:
        syncs.close()
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
