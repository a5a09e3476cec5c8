"""Sectoral source declarations: connectors/sectoral/sources.yaml, plus the deployment's own file.

Each entry names a connector ``kind`` and that kind's typed options (``models.py``); a misspelt key
fails loading with the file, the key and the nearest valid name. Deployment details (URL,
credentials, directory, DSN) come from the system's configuration (connectors/config.py); a
deployment option overrides a declared one of the same name, and only options the kind knows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from connectors.config import SystemConfig
from connectors.registry import registrar
from mappings import strict_yaml

from .models import SourceDeclaration, SourcesFile

if TYPE_CHECKING:  # connectors.base (pybreaker, urllib3, ...) only when a connector is made: the DAG files
    from connectors.base import HealthRecorder, HttpPolicy, SourceConnector  # list sources and must parse fast

    ConnectorFactory = Callable[[SectoralSource, SourceDeclaration, SystemConfig, HttpPolicy, HealthRecorder | None],
                                SourceConnector]

DECLARATIONS = Path(__file__).parent / "sources.yaml"


class DeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class SectoralSource:
    """A declared source: its name, and its kind's options as declared."""

    name: str
    declaration: SourceDeclaration
    mapping: str  # the mapping file, resolved against the declaring file's directory

    @property
    def kind(self) -> str:
        return self.declaration.kind

    @property
    def stream(self) -> str:
        return self.declaration.stream

    @property
    def partitions(self) -> tuple[str, ...]:
        return self.declaration.partitions


def _resolved_mapping(mapping: str, base_dir: Path) -> str:
    if not Path(mapping).is_absolute() and (base_dir / mapping).exists():
        return str(base_dir / mapping)
    return mapping


def read_declarations(path: Path) -> dict[str, SectoralSource]:
    """Every source one file declares (``DeclarationError`` naming the file and key when wrong)."""
    declared = strict_yaml.load(SourcesFile, path, DeclarationError)
    return {name: SectoralSource(name, spec, _resolved_mapping(spec.mapping, path.parent))
            for name, spec in declared.sources.items()}


def load_declarations(extra_file: str | Path | None = None) -> dict[str, SectoralSource]:
    """The shipped declarations, then the deployment's file (``LIENTHONG_SOURCES_FILE``, passed in)."""
    sources = read_declarations(DECLARATIONS)
    if extra_file:
        sources.update(read_declarations(Path(extra_file)))
    return sources


class DeclaredConnector:
    """What every declared kind's connector keeps: its source's name, declaration and recorder."""

    def __init__(self, source: SectoralSource, declared, recorder: HealthRecorder | None):
        from connectors.base import HealthRecorder

        self.source = source.name
        self.declared = declared
        self.recorder = recorder or HealthRecorder()

    def partitions(self) -> list[str]:
        return list(self.declared.partitions)


CONNECTOR_KINDS: dict[str, "ConnectorFactory"] = {}
connector_kind = registrar(CONNECTOR_KINDS)  # @connector_kind("kind"): the decorated class reads that kind


def make_connector(source: SectoralSource, config: SystemConfig, recorder: HealthRecorder) -> SourceConnector:
    from connectors.base import HttpPolicy

    from . import files, rest, sql  # noqa: F401  (each registers its kinds)

    declared = source.declaration
    overrides = {key: value for key, value in config.options.items() if key in type(declared).model_fields}
    if overrides:
        where = f"the deployment options of {source.name}"
        declared = strict_yaml.validate(type(declared), {**declared.model_dump(by_alias=True), **overrides}, where,
                                        DeclarationError)
    policy = HttpPolicy.from_options(config.options)
    return CONNECTOR_KINDS[declared.kind](source, declared, config, policy, recorder)
