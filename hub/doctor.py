"""``lienthong doctor``: is this installation ready to run, and if not, what to do (as ``dbt debug``).

Checks, changing nothing: the settings and where each came from; the warehouse reachable and its
schema revision; the PII key; per system the configuration it resolves to (secrets masked) and
where from, then one probe (login, or one cheap call) with its latency; Airflow's connections when
Airflow is installed. Each check is ok, fail (with a hint) or skip (not in use here).
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import sys
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from connectors.base import HealthRecorder, SourceError
from connectors.config import SystemConfig, SystemNotConfigured, resolve_system
from hub.pipeline import warehouse
from hub.settings import InvalidSetting, Settings, lookup, origin
from hub.sources import all_sources, check_url
from hub.warehouse.ready import UPGRADE_COMMAND, WarehouseError, schema_status
from hub.warehouse.schema import load_run

VERIFIER_SYSTEMS = ("population_db",)  # reached while syncing, not synced from
MIN_PII_KEY_LENGTH = 32
# A diagnosis answers "does it answer now?": one retry, no re-asking, no long waits.
PROBE_OPTIONS = {"retries": 1, "reply_retries": 0, "connect_timeout": 3.0, "read_timeout": 15.0}
# Failure classes, in the order their exit codes are chosen (hub/cli_errors.py ExitCode).
CONFIGURATION, WAREHOUSE, SYSTEM = "configuration", "warehouse", "system"


@dataclass(frozen=True)
class Check:
    component: str  # "settings", "warehouse", "pii key", a system's name, "airflow"
    check: str
    status: str  # "ok", "fail" or "skip"
    detail: str
    origin: str = ""  # where the value came from
    hint: str = ""  # what to do, for a failure
    latency_ms: float | None = None
    kind: str = CONFIGURATION

    @property
    def ok(self) -> bool:
        return self.status != "fail"


def diagnose(airflow: bool = True) -> list[Check]:
    checks: list[Check] = []
    try:
        key_check = _pii_key_before_load()
        settings = Settings.load()
    except InvalidSetting as exc:
        return [Check("settings", "configuration", "fail", str(exc), hint="fix the setting named")]
    checks.append(Check("settings", "configuration", "ok",
                        f"var {settings.var_dir}; auto-migrate {'on' if settings.auto_migrate else 'off'}",
                        origin=f"var_dir: {origin('var_dir')}; auto_migrate: {origin('auto_migrate')}"))
    warehouse_checks, has_loads = _warehouse(settings)
    checks += warehouse_checks
    checks.append(key_check(has_loads))
    systems = _systems()
    for system, source in systems.items():
        checks += _system(system, source, settings)
    if not any(c.check == "configuration" and c.status == "ok" for c in checks if c.component in systems):
        checks.append(Check("systems", "configuration", "fail", "no system is configured",
                            hint="run `lienthong sandbox up`, or set LIENTHONG_<SYSTEM>_URL for the systems to sync"))
    if airflow:
        checks += _airflow(list(systems))
    return checks


def exit_class(checks: list[Check]) -> str | None:
    """The class of the first failure by severity order, or None when everything is ok."""
    failed = {c.kind for c in checks if not c.ok}
    return next((kind for kind in (CONFIGURATION, WAREHOUSE, SYSTEM) if kind in failed), None)


# --- warehouse and PII key --------------------------------------------------------------------------
def _warehouse(settings: Settings) -> tuple[list[Check], bool]:
    engine = warehouse(settings)
    url, where = engine.url.render_as_string(hide_password=True), origin("db_url")
    started = time.perf_counter()
    try:
        state, stored, needed = schema_status(engine)
    except WarehouseError as exc:
        return [Check("warehouse", "reachable", "fail", str(exc), where, kind=WAREHOUSE,
                      hint="check LIENTHONG_DB_URL and that the database server runs")], False
    checks = [Check("warehouse", "reachable", "ok", url, where, latency_ms=_ms(started), kind=WAREHOUSE)]
    if state == "current":
        checks.append(Check("warehouse", "schema", "ok", f"revision {stored}", kind=WAREHOUSE))
        with engine.connect() as conn:
            has_loads = bool(conn.execute(select(func.count()).select_from(load_run)).scalar())
        return checks, has_loads
    if state == "newer":
        checks.append(Check("warehouse", "schema", "fail", f"revision {stored}, unknown to this version (knows {needed})",
                            hint="run the LienThong version that migrated it", kind=WAREHOUSE))
    elif settings.auto_migrate:
        checks.append(Check("warehouse", "schema", "ok", f"revision {stored}; the next command migrates it to "
                                                         f"{needed} (auto-migrate on)", kind=WAREHOUSE))
    else:
        checks.append(Check("warehouse", "schema", "fail", f"revision {stored}, this version needs {needed}",
                            hint=f"run `{UPGRADE_COMMAND}`", kind=WAREHOUSE))
    return checks, False


def _pii_key_before_load():
    """Looked at before Settings.load(), which would create a missing local key."""
    key, where = lookup("pii_key"), origin("pii_key")
    var_dir_key = Path(lookup("var_dir", default="var")).resolve() / "pii.key" if key is None else None
    existed = var_dir_key is not None and var_dir_key.exists()

    def check(has_loads: bool) -> Check:
        if key is not None:
            if len(key) < MIN_PII_KEY_LENGTH:
                return Check("pii key", "present", "fail", f"{len(key)} characters", where,
                             hint=f"use at least {MIN_PII_KEY_LENGTH} random characters (e.g. `openssl rand -hex 32`)")
            return Check("pii key", "present", "ok", f"set ({len(key)} characters)", where)
        if existed:
            return Check("pii key", "present", "ok", "local key of this installation", str(var_dir_key),
                         hint="hubs that must join on the same hashes share LIENTHONG_PII_KEY")
        if has_loads:  # the warehouse holds hashes made with a key that is gone
            return Check("pii key", "present", "fail", "missing, but the warehouse already holds loaded data",
                         str(var_dir_key), hint="restore var/pii.key or set LIENTHONG_PII_KEY to the key used")
        return Check("pii key", "present", "ok", "created as a local key by the next command", str(var_dir_key))

    return check


# --- systems ----------------------------------------------------------------------------------------
def _systems() -> dict[str, object]:
    """Each system once, with a source that reads it (None: reached only to verify)."""
    systems: dict[str, object] = {}
    for spec in all_sources().values():
        systems.setdefault(spec.system or spec.name, spec)
    return systems | {system: None for system in VERIFIER_SYSTEMS if system not in systems}


def _system(system: str, source, settings: Settings) -> list[Check]:
    try:
        config = resolve_system(system, settings)
    except SystemNotConfigured as exc:
        return [Check(system, "configuration", "skip", "not configured", hint=str(exc).split(": ", 1)[-1])]
    where = _config_origin(config, settings)
    try:
        check_url(config)
    except InvalidSetting as exc:
        return [Check(system, "configuration", "fail", str(exc), where, hint="fix the URL")]
    checks = [Check(system, "configuration", "ok", _masked(config), where)]
    started = time.perf_counter()
    try:
        _probe(config, source, settings)
    except Exception as exc:  # a diagnosis reports every failure, it never raises
        checks.append(Check(system, "reachable and authenticated", "fail", _first_line(exc), where,
                            _hint(exc, config, where), _ms(started), kind=SYSTEM))
    else:
        checks.append(Check(system, "reachable and authenticated", "ok", "login or one call answered", where,
                            latency_ms=_ms(started), kind=SYSTEM))
    return checks


def _probe(config: SystemConfig, source, settings: Settings) -> None:
    quick = dataclasses.replace(config, options={**config.options, **PROBE_OPTIONS})
    recorder = HealthRecorder()
    if source is None:  # the population register: reaching its service description is the check
        from connectors.population_db import PopulationClient

        PopulationClient(quick, recorder).close()
        return
    connector = source.connect(settings, recorder, quick)
    try:
        connector.probe()
    finally:
        connector.close()


def _hint(exc: Exception, config: SystemConfig, where: str) -> str:
    outcome = getattr(exc, "outcome", "")
    if isinstance(exc, SourceError) and outcome in ("reset", "timeout", "circuit_open"):
        return f"is {config.name} up at that URL? Check it in {where}; `lienthong sandbox up` for the simulators"
    # An HTTP 401/403, or a login the system answered with an error (the portal's error_code)
    if outcome == "http_4xx" or (not isinstance(exc, SourceError) and "login" in str(exc).lower()):
        return f"the system refused the credentials: check the username and password (or API key) in {where}"
    return f"check the system's options in {where}"


def _config_origin(config: SystemConfig, settings: Settings) -> str:
    if config.origin == "settings":
        return origin(f"{config.name}_url")
    if config.origin == "sandbox":
        return f"sandbox {settings.sandbox_dir / 'endpoints.json'}"
    return f"Airflow connection {config.name}_default"


def _masked(config: SystemConfig) -> str:
    url = re.sub(r"//[^/@]*@", "//***@", config.base_url)
    parts = [url]
    if config.username:
        parts.append(f"user {config.username}")
    parts.append("password ***" if config.password else "no password")
    return ", ".join(parts)


# --- Airflow ----------------------------------------------------------------------------------------
def _airflow(systems: list[str]) -> list[Check]:
    if importlib.util.find_spec("airflow") is None:
        return []
    with contextlib.redirect_stdout(sys.stderr):  # Airflow logs to stdout, where --json goes
        return _airflow_connections(systems)


def _airflow_connections(systems: list[str]) -> list[Check]:
    try:
        from airflow.models.connection import Connection
    except Exception as exc:
        return [Check("airflow", "connections", "fail", f"Airflow does not import: {_first_line(exc)}",
                      hint="check the Airflow installation (pip check)")]
    checks = []
    for system in systems:
        conn_id = f"{system}_default"
        try:
            conn = Connection.get_connection_from_secrets(conn_id)
        except Exception as exc:  # not defined, or Airflow's database not set up on this machine
            reason = "not defined" if "isn't defined" in str(exc) or "not defined" in str(exc) \
                else f"not readable ({type(exc).__name__})"
            checks.append(Check("airflow", conn_id, "skip", reason,
                                hint=f"DAG tasks fall back to LIENTHONG_{system.upper()}_URL; to use a connection: "
                                     f"airflow connections add {conn_id} --conn-uri https://login:password@host"))
            continue
        checks.append(Check("airflow", conn_id, "ok", f"{conn.conn_type}://{conn.host or ''}"
                                                      f"{':' + str(conn.port) if conn.port else ''}"
                                                      f"{', login ' + conn.login if conn.login else ''}"
                                                      f"{', password ***' if conn.password else ''}",
                            "Airflow secrets (environment, backend or metadata database)"))
    return checks


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
