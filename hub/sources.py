"""The sources the hub knows: which connector extracts them, which mapping translates each stream."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from connectors.config import SystemConfig, resolve_system
from hub.messages import Explained
from hub.settings import PREFIX, InvalidSettingValue, Settings, lookup
from mappings.engine import MAPPINGS_DIR, Mapping

if TYPE_CHECKING:  # not imported at run time: the DAG files list the sources and must parse fast
    from connectors.base import HealthRecorder, SourceConnector


@dataclass(frozen=True)
class SourceSpec:
    name: str
    streams: dict[str, str]  # stream -> mapping file
    connector_factory: Callable[[SystemConfig, HealthRecorder], SourceConnector]
    system: str | None = None  # the system it reads, when several sources share one (the portal)

    def mapping(self, stream: str) -> Mapping:
        return Mapping.load(self.streams[stream])

    def mapping_texts(self, stream: str) -> tuple[bytes, ...]:
        """The declarations a stream's rows depend on (its mapping and the code lists): a change to
        either re-maps records that are otherwise unchanged."""
        path = Path(self.streams[stream])
        if not path.is_absolute() and not path.exists():
            path = MAPPINGS_DIR / path
        return path.read_bytes(), (MAPPINGS_DIR / "codes.yaml").read_bytes()

    def connect(self, settings: Settings, recorder: HealthRecorder,
                config: SystemConfig | None = None) -> SourceConnector:
        config = config or resolve_system(self.system or self.name, settings)
        check_url(config)
        return self.connector_factory(config, recorder)


def config_origin(config: SystemConfig) -> str:
    """Where a system's configuration was found, as a user would go and fix it."""
    system = config.name
    return {"airflow": f"the Airflow connection {system}_default",
            "settings": f"{PREFIX}{system.upper()}_URL (environment or config file)",
            "sandbox": "the sandbox's endpoints.json (lienthong sandbox up)"}.get(config.origin, f"{system}'s configuration")


_EXAMPLE_URL = {"file": "file:///srv/drop", "sqlite": "sqlite:///path/to/file.db"}


def check_url(config: SystemConfig) -> None:
    """A system's URL must be one its connector can use; else InvalidSetting naming where it was set."""
    url = config.base_url or ""
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    scheme = parts.scheme.lower()
    usable = (scheme in ("http", "https") and parts.hostname and port_ok) \
        or (scheme in ("file", "") and parts.path.startswith("/")) \
        or (scheme.startswith(("sqlite", "postgresql")) and len(url) > len(scheme) + 3)
    if not usable:
        shown = re.sub(r"//[^/@]*@", "//***@", url)  # never show credentials written into a URL
        raise InvalidSettingValue("system_url", system=config.name, shown=shown, origin=config_origin(config),
                                  example=_EXAMPLE_URL.get(scheme, "https://host:8443/path"))


def _dvc_portal(config: SystemConfig, recorder: HealthRecorder) -> SourceConnector:
    from connectors.dvc_portal import DvcPortalConnector

    return DvcPortalConnector(config, recorder)


def _monitoring(config: SystemConfig, recorder: HealthRecorder) -> SourceConnector:
    from connectors.monitoring import MonitoringConnector

    return MonitoringConnector(config, recorder)


BUILT_IN: dict[str, SourceSpec] = {
    "dvc_portal": SourceSpec("dvc_portal", {"dossiers": "dvc_portal_dossiers.yaml"}, _dvc_portal),
    # The catalogue and the portal's own aggregates change rarely: separate sources, own schedules.
    "dvc_portal_catalogue": SourceSpec("dvc_portal_catalogue", {"procedures": "dvc_portal_procedures.yaml",
                                                                "procedure_levels": "dvc_portal_procedure_levels.yaml"},
                                       _dvc_portal, system="dvc_portal"),
    "dvc_portal_reporting": SourceSpec("dvc_portal_reporting", {"reported_online": "dvc_portal_reported_online.yaml",
                                                                "service_levels": "dvc_portal_service_levels.yaml"},
                                       _dvc_portal, system="dvc_portal"),
    "monitoring": SourceSpec("monitoring", {"bao_cao_tinh": "monitoring_province_reports.yaml",
                                            "bao_cao_xa": "monitoring_commune_reports.yaml"}, _monitoring),
}


def _sectoral(declaration) -> SourceSpec:
    from connectors.sectoral import make_connector

    return SourceSpec(declaration.name, {declaration.stream: declaration.mapping},
                      lambda config, recorder: make_connector(declaration, config, recorder))


def all_sources() -> dict[str, SourceSpec]:
    """Built-in sources and every sectoral source declared in YAML (read afresh: declarations
    can be added without a restart of the scheduler's workers)."""
    from connectors.sectoral import load_declarations

    sources = dict(BUILT_IN)
    sources.update({name: _sectoral(d) for name, d in load_declarations(lookup("sources_file")).items()})
    return sources


def nearest(name: str, known) -> str | None:
    """The known name closest to ``name`` (the message suggests it), or None."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None


def _listed(names, limit: int = 12) -> str:
    names = sorted(names)
    return ", ".join(names[:limit]) + (f" … ({len(names)} in all)" if len(names) > limit else "")


class UnknownSource(Explained, KeyError):
    """A source name the hub does not know; the message suggests the nearest known one."""

    def __init__(self, name: str, known: list[str]):
        super().__init__("unknown_source", name=name, closest=nearest(name, known), known=_listed(known))


class UnknownPartition(Explained, KeyError):
    """A partition a source does not have (a province code the portal does not serve, say)."""

    def __init__(self, source: str, name: str, known: list[str]):
        super().__init__("unknown_partition", source=source, name=name, closest=nearest(name, known),
                         known=_listed(known))


def get_source(name: str) -> SourceSpec:
    sources = all_sources()
    try:
        return sources[name]
    except KeyError:
        raise UnknownSource(name, list(sources)) from None
