"""Runtime settings: LIENTHONG_* environment variables, optionally a TOML config file.

Precedence: environment > config file (LIENTHONG_CONFIG, else ./lienthong.toml) > defaults.
Every runtime output goes under ``var_dir`` (default ./var) unless overridden.
"""
from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub.messages import Explained
from mappings.timeparse import LOCAL_TZ  # noqa: F401  (re-exported: the hub's local time zone)

PREFIX = "LIENTHONG_"
DATABASES = ("sqlite", "postgresql")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class InvalidSetting(ValueError):
    """A setting whose value cannot be used; the message names it, the value given and the fix."""


class InvalidSettingValue(Explained, InvalidSetting):
    """An InvalidSetting whose message is in hub/messages.py (shown in Vietnamese or English)."""


def _config_file(environ: Mapping[str, str]) -> dict:
    path = Path(environ.get(f"{PREFIX}CONFIG", "lienthong.toml"))
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidSetting(f"config file {path} is not valid TOML ({exc}): fix it, or point "
                             f"{PREFIX}CONFIG at another file") from None
    return {str(k).lower(): v for k, v in data.items()}


def lookup(name: str, environ: Mapping[str, str] | None = None, default=None):
    """One setting by its short name (``db_url``), from the environment or the config file."""
    environ = os.environ if environ is None else environ
    value = environ.get(PREFIX + name.upper())
    if value is not None:
        return value
    return _config_file(environ).get(name.lower(), default)


def origin(name: str, environ: Mapping[str, str] | None = None) -> str:
    """Where a setting's value comes from, for ``lienthong doctor``: the variable, the file or the default."""
    environ = os.environ if environ is None else environ
    if PREFIX + name.upper() in environ:
        return f"environment {PREFIX}{name.upper()}"
    if name.lower() in _config_file(environ):
        return f"config file {environ.get(f'{PREFIX}CONFIG', 'lienthong.toml')}"
    return "default"


@dataclass(frozen=True)
class HealthThresholds:
    """Where green ends and yellow, then red, begin for connection health (docs/metrics.md).

    Each can be set as LIENTHONG_HEALTH_<NAME> or ``health_<name>`` in the config file. A status is
    the worst of the criteria that apply: success rate, latency p95, data lag, portal consistency.
    """
    success_green_pct: float = 99.0  # at least this share of calls answered properly: green
    success_yellow_pct: float = 95.0
    p95_green_ms: float = 3000.0  # slowest 5 % of calls at most this long: green
    p95_yellow_ms: float = 15000.0
    lag_green_s: float = 6 * 3600.0  # the newest record held was at most this old when the system last answered
    lag_yellow_s: float = 24 * 3600.0
    consistency_green_pct: float = 0.5  # |hub − portal| dossiers as a share of the portal's total
    consistency_yellow_pct: float = 2.0

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> "HealthThresholds":
        values = {}
        for name in cls.__dataclass_fields__:
            value = lookup(f"health_{name}", environ)
            if value is None:
                continue
            try:
                values[name] = float(value)
            except (TypeError, ValueError):
                raise InvalidSetting(f"{PREFIX}HEALTH_{name.upper()}={value!r} is not a number: "
                                     f"use e.g. {getattr(cls, name)}") from None
        thresholds = cls(**values)
        for criterion, unit, higher_is_better in (("success", "pct", True), ("p95", "ms", False),
                                                  ("lag", "s", False), ("consistency", "pct", False)):
            green, yellow = (getattr(thresholds, f"{criterion}_{c}_{unit}") for c in ("green", "yellow"))
            if (green < yellow) if higher_is_better else (green > yellow):
                raise InvalidSetting(f"health thresholds for {criterion}: green ({green}) is laxer than "
                                     f"yellow ({yellow}); swap them")
        return thresholds

    @staticmethod
    def grade(value: float | None, green: float, yellow: float, higher_is_better: bool = False) -> str | None:
        """green, yellow or red for one criterion; None when it does not apply (no value)."""
        if value is None:
            return None
        if higher_is_better:
            return "green" if value >= green else "yellow" if value >= yellow else "red"
        return "green" if value <= green else "yellow" if value <= yellow else "red"

    @staticmethod
    def worst(*grades: str | None) -> str:
        """The worst of the grades that apply (green when none does)."""
        order = ("green", "yellow", "red")
        return max((g for g in grades if g is not None), key=order.index, default="green")


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    db_url: str
    pii_key: bytes = field(repr=False)
    report_language: str = "vi"
    auto_migrate: bool = True  # production sets False: only `lienthong db upgrade` migrates
    health: HealthThresholds = field(default_factory=HealthThresholds)

    @property
    def reports_dir(self) -> Path:
        return self.var_dir / "reports"  # `lienthong report`'s HTML and the quality report beside it

    @property
    def sandbox_dir(self) -> Path:
        return self.var_dir / "sandbox"  # `lienthong sandbox up`: its pid file and endpoints.json

    def setting(self, name: str, default=None):
        """Any other setting by its short name (a system's ``<system>_url``, ``sources_file``), read
        when asked: connectors get these through the settings passed to them."""
        return lookup(name, default=default)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        var_dir = Path(lookup("var_dir", environ, "var")).resolve()
        db_url = _database_url(lookup("db_url", environ) or f"sqlite:///{var_dir / 'lienthong.db'}")
        auto_migrate = _flag("auto_migrate", lookup("auto_migrate", environ, True))
        key = lookup("pii_key", environ)
        pii_key = key.encode() if key else _local_pii_key(var_dir)
        language = lookup("report_language", environ, "vi")
        return cls(var_dir=var_dir, db_url=db_url, pii_key=pii_key, report_language=language,
                   auto_migrate=auto_migrate, health=HealthThresholds.load(environ))


def _database_url(value: str) -> str:
    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError:
        # Unparseable, so hide_password cannot help: mask whatever sits between ':' and '@'.
        shown = re.sub(r":[^:/@]*@", ":***@", value)
        raise InvalidSettingValue("db_url_not_url", shown=shown) from None
    if backend not in DATABASES:
        raise InvalidSettingValue("db_url_backend", backend=backend, supported=", ".join(DATABASES))
    return value


def _flag(name: str, value) -> bool:
    if isinstance(value, bool):  # from the TOML file
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise InvalidSettingValue("flag", setting=name.upper(), value=value)


def _local_pii_key(var_dir: Path) -> bytes:
    """A per-installation random key kept in var/, so hashes stay stable between runs.

    Production sets LIENTHONG_PII_KEY (shared by every hub that must join on the same hashes).
    """
    path = var_dir / "pii.key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
