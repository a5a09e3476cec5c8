"""The whole sandbox: every simulator of a scenario, started together.

``endpoints`` is what a client needs to reach them (URL, credentials, options); ``lienthong
sandbox up`` writes it to var/sandbox/endpoints.json, where connectors/config.py finds it.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from .faults import FaultSwitches
from .ledger import Ledger
from .portal import create_portal_app
from .scenario import Scenario, load_scenario
from .server import ThreadedServer


class SandboxStack:
    def __init__(self, scenario: Scenario | str = "demo", keep_keys: bool = True):
        self.scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
        # one ledger for every simulator; keys only when kept (tests), counters always (benchmarks)
        self.ledger = Ledger(keep_keys=keep_keys)
        self.faults = {"dvc_portal": FaultSwitches(seed=self.scenario.seed,
                                                   rates=dict(self.scenario.faults.get("dvc_portal", {})))}
        self.portal_user = "lienthong"
        self._portal_password = secrets.token_urlsafe(16)
        self.portal_app = create_portal_app(self.scenario, {self.portal_user: self._portal_password},
                                            self.faults["dvc_portal"], self.ledger)
        self._servers: dict[str, ThreadedServer] = {}

    def start(self, ports: dict[str, int] | None = None) -> "SandboxStack":
        ports = ports or {}
        self._servers["dvc_portal"] = ThreadedServer(self.portal_app, ports.get("dvc_portal", 0)).start()
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()

    @property
    def endpoints(self) -> dict:
        return {
            "dvc_portal": {
                "url": self._servers["dvc_portal"].url,
                "username": self.portal_user,
                "password": self._portal_password,
                "options": {"dstcode": "DVCQG", "madonvi": "LIENTHONG", "partitions": self.portal_partitions},
            }
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
