"""A local Airflow 3 running the project's DAGs: ``make airflow`` (``python -m hub.airflow_stack``).

One AIRFLOW_HOME (default var/airflow) with its metadata database (SQLite unless a URL is given:
PostgreSQL for CeleryExecutor), the api-server on 127.0.0.1, the scheduler, the dag-processor, the
triggerer (deadline alerts) and, on CeleryExecutor, N Celery workers. The DAGs reach the systems
through AIRFLOW_CONN_<SYSTEM>_DEFAULT (from the running sandbox's endpoints unless already set) and
the warehouse through LIENTHONG_DB_URL. The integration tests start the same stack.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
ADMIN = "admin"
CORE = ("api-server", "scheduler", "dag-processor")


def worker_hostname() -> str:
    """[core] hostname_callable: several Celery workers on one machine show apart in Airflow."""
    return os.environ.get("LIENTHONG_AIRFLOW_WORKER") or socket.getfqdn()


def metadata_urls(url: str) -> dict[str, str]:
    """Airflow's sync and async metadata URLs; psycopg 3 serves both for PostgreSQL (asyncpg is not
    installed, and Airflow derives an asyncpg URL unless told)."""
    parsed = make_url(url)
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url}
    if parsed.get_backend_name() == "postgresql":
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = parsed.set(drivername="postgresql+psycopg").render_as_string(False)
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = parsed.set(
            drivername="postgresql+psycopg_async").render_as_string(False)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AirflowStack:
    home: Path
    environment: dict[str, str] = field(default_factory=dict)  # LIENTHONG_*, AIRFLOW_CONN_*, …
    metadata_url: str | None = None
    celery_workers: int = 0  # > 0: CeleryExecutor with Redis, that many workers
    broker_url: str = "redis://127.0.0.1:6379/0"
    worker_concurrency: int = 2  # tasks one worker runs at a time
    queue: str = "default"  # the Celery queue the tasks go to and the workers read
    port: int = 8080
    components: tuple[str, ...] = CORE + ("triggerer",)
    parallelism: int = 8
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        home = self.home.resolve()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        secret_file = home / "jwt.secret"  # every component signs and checks the same task tokens
        if not secret_file.exists():
            home.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(secrets.token_hex(32))
        env.update({
            "AIRFLOW_HOME": str(home),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "hub.airflow_stack.worker_hostname",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__WORKERS": "1",
            # A task's calls to the api-server wait up to a minute (default 5 s): a busy machine is slow, not down.
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
            "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text().strip(),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.port + 1),
            **metadata_urls(self.metadata_url or f"sqlite:///{home / 'airflow.db'}"),
        })
        if self.celery_workers:
            env.update({"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                        "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
                        "AIRFLOW__CELERY__RESULT_BACKEND": self.broker_url,
                        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue})
        else:
            env["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
        env.update(self.environment)
        return env

    def airflow(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "airflow", *args], env=self.env(), capture_output=True,
                              text=True, timeout=timeout, check=True)

    def start(self) -> "AirflowStack":
        self.airflow("db", "migrate")
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        commands = {name: [name] for name in self.components}
        for n in range(1, self.celery_workers + 1):
            commands[f"worker{n}"] = ["celery", "worker", "--concurrency", str(self.worker_concurrency),
                                      "--queues", self.queue, "--skip-serve-logs", "--celery-hostname", f"worker{n}@%h"]
        for name, args in commands.items():
            env = {**self.env(), "LIENTHONG_AIRFLOW_WORKER": name}
            with open(logs / f"{name}.log", "ab") as log:
                self.processes[name] = subprocess.Popen([sys.executable, "-m", "airflow", *args], env=env,
                                                        stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                                        start_new_session=True)
        self._wait_for_api()
        return self

    def _wait_for_api(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"airflow {name} exited ({process.returncode}): see {self.home / 'logs'}")
            try:
                if requests.get(f"{self.url}/api/v2/monitor/health", timeout=10).ok:
                    return
            except requests.RequestException:  # not listening yet, or busy starting
                pass
            time.sleep(1)
        raise TimeoutError(f"the Airflow api-server did not answer on {self.url} within {timeout:.0f} s")

    def admin_password(self) -> str:
        return json.loads((self.home / "simple_auth_manager_passwords.json.generated").read_text())[ADMIN]

    def api(self) -> requests.Session:
        """A session on the REST API (/api/v2) with a JWT from /auth/token."""
        reply = requests.post(f"{self.url}/auth/token", json={"username": ADMIN, "password": self.admin_password()},
                              timeout=30)
        reply.raise_for_status()
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        return session

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def __enter__(self) -> "AirflowStack":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def airflow_connections(endpoints: dict) -> dict[str, str]:
    """AIRFLOW_CONN_<SYSTEM>_DEFAULT for every system of a sandbox's endpoints."""
    from connectors.config import airflow_connection, sandbox_system

    return dict(airflow_connection(sandbox_system(name, entry)) for name, entry in endpoints.items())


def sandbox_connections(var_dir: Path) -> dict[str, str]:
    """The connections of the running sandbox (``lienthong sandbox up``), if any."""
    path = var_dir / "sandbox" / "endpoints.json"
    return airflow_connections(json.loads(path.read_text())) if path.is_file() else {}


def main() -> None:
    """``make airflow``: run the stack in the foreground until Ctrl-C."""
    from hub.settings import Settings

    settings = Settings.load()
    workers = int(os.environ.get("LIENTHONG_AIRFLOW_CELERY_WORKERS", "0"))
    connections = {k: v for k, v in sandbox_connections(settings.var_dir).items() if k not in os.environ}
    stack = AirflowStack(home=Path(os.environ.get("LIENTHONG_AIRFLOW_HOME", settings.var_dir / "airflow")),
                         environment={"LIENTHONG_DB_URL": settings.db_url, "LIENTHONG_VAR_DIR": str(settings.var_dir),
                                      **connections},
                         metadata_url=os.environ.get("LIENTHONG_AIRFLOW_DB_URL"), celery_workers=workers,
                         port=int(os.environ.get("LIENTHONG_AIRFLOW_PORT", "8080")))
    with stack:
        print(f"Airflow {stack.url} (user {ADMIN}, password {stack.admin_password()}); DAGs from {REPO / 'dags'}; "
              f"{len(connections)} sandbox connections; logs in {stack.home / 'logs'}. Ctrl-C stops it.", flush=True)
        try:
            while all(p.poll() is None for p in stack.processes.values()):
                time.sleep(2)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
