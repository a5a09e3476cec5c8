"""Finding PostgreSQL for tests: LIENTHONG_TEST_PG_URL; a server on 127.0.0.1:5432
(user postgres, trust auth); a throwaway cluster from binaries on PATH or under
/usr/lib/postgresql/*/bin; otherwise None with the reason. Each test run gets its own database.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import closing

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _reachable(url: str) -> bool:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayCluster:
    def __init__(self, bindir: str):
        self.bindir = bindir
        self.datadir = tempfile.mkdtemp(prefix="lienthong-pg-")
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> "ThrowawayCluster":
        run = lambda *args: subprocess.run(args, check=True, capture_output=True)  # noqa: E731
        user = ["-U", "postgres"]
        run(os.path.join(self.bindir, "initdb"), "-D", self.datadir, "-A", "trust", *user)
        run(os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-w", "-l", os.path.join(self.datadir, "log"),
            "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir}", "start")
        return self

    def stop(self) -> None:
        subprocess.run([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.datadir, ignore_errors=True)


def _bindirs() -> list[str]:
    dirs = []
    initdb = shutil.which("initdb")
    if initdb:
        dirs.append(os.path.dirname(initdb))
    dirs += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return [d for d in dirs if os.path.exists(os.path.join(d, "pg_ctl"))]


def find_server() -> tuple[str | None, ThrowawayCluster | None, str]:
    """(admin URL, cluster to stop afterwards, reason when none was found)."""
    explicit = os.environ.get("LIENTHONG_TEST_PG_URL")
    if explicit:
        if _reachable(explicit):
            return explicit, None, ""
        return None, None, f"LIENTHONG_TEST_PG_URL={make_url(explicit).render_as_string()} is not reachable"
    if _reachable(DEFAULT_URL):
        return DEFAULT_URL, None, ""
    if os.geteuid() == 0:
        reason_root = " (initdb refuses to run as root)"
    else:
        reason_root = ""
    for bindir in _bindirs():
        if reason_root:
            break
        try:
            cluster = ThrowawayCluster(bindir).start()
            return cluster.url, cluster, ""
        except (subprocess.CalledProcessError, OSError):
            continue
    return None, None, "no PostgreSQL: LIENTHONG_TEST_PG_URL unset, nothing on 127.0.0.1:5432, no usable binaries" + reason_root


def create_database(admin_url: str) -> str:
    name = f"lienthong_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
