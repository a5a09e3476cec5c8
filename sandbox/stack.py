"""The whole sandbox: every simulator of a scenario, started together.

``endpoints`` is what a client needs to reach them (URL, credentials, options); ``lienthong
sandbox up`` writes it to var/sandbox/endpoints.json, where connectors/config.py finds it.
HTTP simulators each get a loopback port; the civil-status file drop and the social-insurance
SQLite file live under ``state_dir`` (a temporary directory when none is given).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from mappings.timeparse import LOCAL_TZ

from .civil_status import CivilStatusExport
from .civil_status import DELIMITER as CIVIL_STATUS_DELIMITER
from .civil_status import ENCODING as CIVIL_STATUS_ENCODING
from .faults import FaultSwitches
from .http_faults import FaultMiddleware
from .http import API_KEY_HEADER
from .insurance import TABLE as INSURANCE_TABLE
from .insurance import InsuranceRegister
from .land import MAX_LIMIT as LAND_MAX_LIMIT
from .land import create_land_app
from .ledger import Ledger
from .monitoring import create_monitoring_app
from .population import LOOKUP_INTEGRATION_CODES, MAX_BATCH, VERIFY_SERVICE_CODES, create_population_app
from .portal import create_portal_app
from .scenario import Scenario, load_scenario
from .server import ThreadedServer

SYSTEMS = ("dvc_portal", "population_db", "land_registry", "civil_status", "social_insurance", "monitoring")
HTTP_SYSTEMS = ("dvc_portal", "population_db", "land_registry", "monitoring")


class SandboxStack:
    def __init__(self, scenario: Scenario | str = "demo", state_dir: Path | None = None, keep_keys: bool = True):
        self.scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
        self.ledger = Ledger(keep_keys=keep_keys)
        self.faults = {
            name: FaultSwitches(seed=self.scenario.seed + n, rates=dict(self.scenario.faults.get(name) or {}))
            for n, name in enumerate(SYSTEMS)
        }
        self.portal_user = "lienthong"
        self._portal_password = secrets.token_urlsafe(16)
        self._land_api_key = secrets.token_urlsafe(24)
        self._monitoring_api_key = secrets.token_urlsafe(24)
        self.portal_app = create_portal_app(self.scenario, {self.portal_user: self._portal_password},
                                            self.faults["dvc_portal"], self.ledger)
        self.population_app = create_population_app(self.scenario, self.faults["population_db"], self.ledger)
        self.land_app = create_land_app(self.scenario, {self._land_api_key}, self.faults["land_registry"], self.ledger)
        self.monitoring_app = create_monitoring_app(self.scenario, {self._monitoring_api_key}, self.ledger)
        # The portal wraps itself; the other HTTP simulators get the same transport faults here.
        for name in ("population_db", "land_registry", "monitoring"):
            self.apps[name].add_middleware(FaultMiddleware, system=name, switches=self.faults[name], ledger=self.ledger)
        self._state_dir = Path(state_dir).resolve() if state_dir else None
        self._temporary_dir: str | None = None
        self._servers: dict[str, ThreadedServer] = {}

    @property
    def apps(self) -> dict:
        """The ASGI app of each HTTP simulator (wrap them before ``start`` to add middleware)."""
        return {"dvc_portal": self.portal_app, "population_db": self.population_app,
                "land_registry": self.land_app, "monitoring": self.monitoring_app}

    @property
    def state_dir(self) -> Path:
        if self._state_dir is None:
            self._temporary_dir = tempfile.mkdtemp(prefix="lienthong-sandbox-")
            self._state_dir = Path(self._temporary_dir)
        return self._state_dir

    @property
    def civil_status_dir(self) -> Path:
        return self.state_dir / "civil_status"

    @property
    def insurance_db_path(self) -> Path:
        return self.state_dir / "bhxh.sqlite"

    def start(self, ports: dict[str, int] | None = None) -> "SandboxStack":
        ports = ports or {}
        for name, app in self.apps.items():
            self._servers[name] = ThreadedServer(app, ports.get(name, 0)).start()
        self.refresh_files()
        return self

    def refresh_files(self) -> None:
        """(Re)write the civil-status drop and the insurance database under the current fault switches."""
        CivilStatusExport(self.scenario, self.faults["civil_status"], self.ledger).write(self.civil_status_dir)
        InsuranceRegister(self.scenario, self.faults["social_insurance"], self.ledger).build(self.insurance_db_path)

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        if self._temporary_dir:
            shutil.rmtree(self._temporary_dir, ignore_errors=True)
            self._temporary_dir = self._state_dir = None

    @property
    def endpoints(self) -> dict:
        url = {name: server.url for name, server in self._servers.items()}
        monitoring = self.scenario.system("monitoring")
        return {
            "dvc_portal": {
                "url": url["dvc_portal"],
                "username": self.portal_user,
                "password": self._portal_password,
                "options": {"dstcode": "DVCQG", "madonvi": "LIENTHONG", "partitions": self.portal_partitions},
            },
            "population_db": {
                "url": f"{url['population_db']}/population",
                "options": {
                    "wsdl": f"{url['population_db']}/population?wsdl",
                    "ma_dich_vu": sorted(VERIFY_SERVICE_CODES)[0],
                    "ma_tich_hop": sorted(LOOKUP_INTEGRATION_CODES)[0],
                    "ma_dvc": "VPCP",
                    "ma_don_vi": "LIENTHONG",
                    "ma_can_bo": "LIENTHONG_HUB",
                    "batch_max": MAX_BATCH,
                },
            },
            "land_registry": {
                "url": url["land_registry"],
                "password": self._land_api_key,
                "options": {"auth": "api_key", "api_key_header": API_KEY_HEADER, "path": "/api/v1/thua-dat",
                            "page_limit_max": LAND_MAX_LIMIT},
            },
            "civil_status": {
                "url": self.civil_status_dir.resolve().as_uri(),
                "path": str(self.civil_status_dir),
                "options": {"glob": "hotich_*.csv", "file_pattern": "hotich_YYYYMMDD.csv",
                            "encoding": CIVIL_STATUS_ENCODING, "delimiter": CIVIL_STATUS_DELIMITER,
                            "date_format": "dd/MM/yyyy"},
            },
            "social_insurance": {
                "url": f"sqlite:///{self.insurance_db_path}",
                "path": str(self.insurance_db_path),
                "options": {"table": INSURANCE_TABLE, "watermark_column": "ngay_cap_nhat",
                            "watermark_timezone": LOCAL_TZ},
            },
            "monitoring": {
                "url": url["monitoring"],
                "password": self._monitoring_api_key,
                "options": {"auth": "api_key", "api_key_header": API_KEY_HEADER,
                            "provinces_path": "/api/v1/bao-cao/tinh", "communes_path": "/api/v1/bao-cao/xa",
                            "cut_off": "16:00", "timezone": LOCAL_TZ,
                            "period": {"start": str(monitoring.get("start", "2025-07-01")),
                                       "end": str(monitoring.get("end", "2025-08-31"))}},
            },
        }

    @property
    def portal_partitions(self) -> list[str]:
        return sorted(self.portal_app.state.data.provinces)

    def write_endpoints(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "endpoints.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(self.endpoints, fh, indent=2)
        return path

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
