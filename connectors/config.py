"""Where a system's URL, credentials and options come from: one code path.

Inside an Airflow task the Airflow Connection ``<system>_default`` wins; elsewhere
LIENTHONG_<SYSTEM>_URL / _USERNAME / _PASSWORD / _OPTIONS (JSON) or the config file,
and last the endpoints file written by ``lienthong sandbox up``. The hub passes its settings in
(anything with ``sandbox_dir`` and ``setting(name)``): connectors import nothing from hub/.

An Airflow connection is either an ordinary HTTP one (host, port, schema as the path) or carries
the system's whole URL in ``host`` (any scheme: ``file:///…`` for file drops, a database URL for SQL
sources); login, password and the JSON extra (the options) map one to one. ``airflow_connection``
writes a system's configuration in that form, for AIRFLOW_CONN_<SYSTEM>_DEFAULT.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class DeploymentSettings(Protocol):
    """What resolving a system needs from the hub's settings."""

    @property
    def sandbox_dir(self) -> Path: ...

    def setting(self, name: str) -> Any:
        """A setting by its short name (``dvc_portal_url``), or None."""
        ...


class Secret:
    """A credential that never shows itself in logs, reprs or exception messages."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None):
        self._value = value

    def reveal(self) -> str | None:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret(None)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class SystemConfig:
    name: str
    base_url: str
    username: str | None = None
    password: Secret = field(default_factory=lambda: Secret(None))
    options: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # where it was found: "airflow", "settings" or "sandbox" (lienthong doctor shows it)


class SystemNotConfigured(RuntimeError):
    """No configuration anywhere for ``system`` (the message says where to put one)."""

    def __init__(self, message: str, system: str = ""):
        super().__init__(message)
        self.system = system


def _in_airflow_task() -> bool:
    return bool(os.environ.get("AIRFLOW_CTX_DAG_ID"))


def _from_airflow(system: str) -> SystemConfig | None:
    from airflow.sdk import BaseHook  # imported lazily: the CLI runs without Airflow

    try:
        conn = BaseHook.get_connection(f"{system}_default")
    except Exception:  # an undefined connection: fall back to the other sources
        return None
    if conn.host and "://" in conn.host:
        base_url = conn.host
    else:
        scheme = conn.conn_type if conn.conn_type in ("http", "https") else "http"
        port = f":{conn.port}" if conn.port else ""
        path = f"/{conn.schema.lstrip('/')}" if conn.schema else ""
        base_url = f"{scheme}://{conn.host}{port}{path}"
    return SystemConfig(
        name=system,
        base_url=base_url,
        username=conn.login,
        password=Secret(conn.password),
        options=dict(conn.extra_dejson or {}),
        origin="airflow",
    )


def airflow_connection(config: SystemConfig) -> tuple[str, str]:
    """(environment variable, value) defining ``config`` as the Airflow connection the DAGs read."""
    value = {"conn_type": "http" if config.base_url.startswith(("http://", "https://")) else "generic",
             "host": config.base_url, "login": config.username, "password": config.password.reveal(),
             "extra": config.options}
    return f"AIRFLOW_CONN_{config.name.upper()}_DEFAULT", json.dumps({k: v for k, v in value.items() if v})


def _from_settings(system: str, settings: DeploymentSettings) -> SystemConfig | None:
    lookup = settings.setting
    url = lookup(f"{system}_url")
    if not url:
        return None
    options = lookup(f"{system}_options") or {}
    if isinstance(options, str):
        options = json.loads(options)
    return SystemConfig(
        name=system,
        base_url=url,
        username=lookup(f"{system}_username"),
        password=Secret(lookup(f"{system}_password")),
        options=dict(options),
        origin="settings",
    )


def _from_sandbox(system: str, settings: DeploymentSettings) -> SystemConfig | None:
    path = Path(settings.sandbox_dir) / "endpoints.json"
    if not path.is_file():
        return None
    entry = json.loads(path.read_text()).get(system)
    return sandbox_system(system, entry) if entry else None


def sandbox_system(system: str, entry: dict) -> SystemConfig:
    """A system as the sandbox describes it in its endpoints file."""
    return SystemConfig(
        name=system,
        base_url=entry["url"],
        username=entry.get("username"),
        password=Secret(entry.get("password")),
        options=entry.get("options", {}),
        origin="sandbox",
    )


def resolve_system(system: str, settings: DeploymentSettings) -> SystemConfig:
    candidates = []
    if _in_airflow_task():
        candidates.append(lambda: _from_airflow(system))
    candidates += [lambda: _from_settings(system, settings), lambda: _from_sandbox(system, settings)]
    for candidate in candidates:
        config = candidate()
        if config is not None:
            return config
    raise SystemNotConfigured(
        f"no configuration for system {system!r}: set LIENTHONG_{system.upper()}_URL, "
        f"define the Airflow connection {system}_default, or start the sandbox (lienthong sandbox up)",
        system)
