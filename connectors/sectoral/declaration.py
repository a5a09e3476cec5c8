"""Sectoral source declarations: connectors/sectoral/sources.yaml, plus LIENTHONG_SOURCES_FILE.

Each entry names a connector ``kind`` (rest_cursor, file_drop, sql), its stream, its mapping
file and the kind's options. Deployment details (URL, credentials, directory, DSN) come from
the system's configuration (connectors/config.py) and override nothing declared here except
where the declaration leaves them out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from connectors.config import SystemConfig
from hub.settings import lookup

if TYPE_CHECKING:  # annotations only: listing the declarations (the DAG files) stays light
    from connectors.base import HealthRecorder, SourceConnector

DECLARATIONS = Path(__file__).parent / "sources.yaml"
KINDS = ("rest_cursor", "file_drop", "sql")


class DeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class SectoralSource:
    name: str
    kind: str
    stream: str
    mapping: str
    options: dict[str, Any] = field(default_factory=dict)
    partitions: tuple[str, ...] = ("all",)


def _parse(name: str, spec: dict, base_dir: Path) -> SectoralSource:
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind not in KINDS:
        raise DeclarationError(f"source {name}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    for required in ("stream", "mapping"):
        if required not in spec:
            raise DeclarationError(f"source {name}: missing {required!r}")
    mapping = spec.pop("mapping")
    if not Path(mapping).is_absolute() and (base_dir / mapping).exists():
        mapping = str(base_dir / mapping)
    return SectoralSource(name=name, kind=kind, stream=spec.pop("stream"), mapping=mapping,
                          partitions=tuple(spec.pop("partitions", ("all",))), options=spec)


def load_declarations() -> dict[str, SectoralSource]:
    files = [DECLARATIONS]
    extra = lookup("sources_file")
    if extra:
        files.append(Path(extra))
    sources: dict[str, SectoralSource] = {}
    for path in files:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, spec in (raw.get("sources") or {}).items():
            sources[name] = _parse(name, spec or {}, path.parent)
    return sources


def make_connector(source: SectoralSource, config: SystemConfig, recorder: HealthRecorder) -> SourceConnector:
    options = {**source.options, **config.options}
    if source.kind == "rest_cursor":
        from .rest import RestCursorConnector

        return RestCursorConnector(source, config, options, recorder)
    if source.kind == "file_drop":
        from .files import FileDropConnector

        return FileDropConnector(source, config, options, recorder)
    from .sql import SqlWatermarkConnector

    return SqlWatermarkConnector(source, config, options, recorder)
