"""File drops: daily CSV exports in a directory (e.g. civil status), read file by file in name order.

The checkpoint is the last file fully stored. Encoding, BOM and delimiter are declared; a file
that does not decode, or a row whose field count disagrees with the header, becomes a reject
with its reason rather than stopping the sync.
"""
from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Iterator

from connectors.base import Batch, Checkpoint, HealthRecorder, HttpPolicy, SourceError, elapsed_ms
from connectors.config import SystemConfig
from connectors.incremental import Position, UpdateWindow

from .declaration import DeclaredConnector, SectoralSource, connector_kind
from .models import FileDropSource

MAX_FIELD = 64 * 1024  # a cell larger than this is hostile or broken, not data


@connector_kind("file_drop")
class FileDropConnector(DeclaredConnector):
    declared: FileDropSource

    def __init__(self, source: SectoralSource, declared: FileDropSource, config: SystemConfig, policy: HttpPolicy,
                 recorder: HealthRecorder | None):
        super().__init__(source, declared, recorder)
        directory = declared.directory or config.base_url.removeprefix("file://")
        self.directory = Path(directory)

    def read(self, stream: str, partition: str, checkpoint: str | None,
             window: UpdateWindow | None = None) -> Iterator[Batch]:
        """From the checkpoint, whatever the window: files are read in name order, not by update time."""
        pattern = self.declared.pattern
        stored = Position.decode(checkpoint, "last_file").next_start(None) or ""
        files = sorted(path for path in self.directory.glob(pattern) if path.is_file() and path.name > stored)
        for path in files:
            yield from self._read_file(stream, partition, path)

    def _read_file(self, stream: str, partition: str, path: Path) -> Iterator[Batch]:
        started = time.perf_counter()
        data = path.read_bytes()
        encoding = self.declared.encoding
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            self._observe(path, "parse_error", started, len(data))
            yield Batch(stream, partition, [], Checkpoint(stream, partition, Position("last_file", path.name).encode()),
                        rejects=[({"file": path.name}, f"{path.name}: not valid {encoding} at byte {exc.start}")])
            return
        self._observe(path, "ok", started, len(data))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.declared.delimiter)
        size = self.declared.batch_size
        records, rejects = [], []
        try:
            header = next(reader)
        except StopIteration:
            header = []
        line = 1
        for row in reader:
            line += 1
            if not any(row):
                continue
            if len(row) != len(header):
                rejects.append(({"file": path.name, "line": line}, f"{path.name}:{line}: {len(row)} fields, header has {len(header)}"))
            elif any(len(cell) > MAX_FIELD for cell in row):
                rejects.append(({"file": path.name, "line": line}, f"{path.name}:{line}: a field longer than {MAX_FIELD} characters"))
            else:
                records.append(dict(zip(header, row)))
            if len(records) + len(rejects) >= size:
                yield Batch(stream, partition, records, None, rejects)
                records, rejects = [], []
        yield Batch(stream, partition, records, Checkpoint(stream, partition, Position("last_file", path.name).encode()), rejects)

    def _observe(self, path: Path, outcome: str, started: float, size: int) -> None:
        self.recorder.record(self.source, f"file:{self.declared.pattern}", outcome, None,
                             elapsed_ms(started), size)

    def probe(self) -> None:
        started = time.perf_counter()
        if not self.directory.is_dir():
            self.recorder.record(self.source, "probe", "reset", None, elapsed_ms(started))
            raise SourceError(self.source, "probe", "reset", "drop directory missing")
        self.recorder.record(self.source, "probe", "ok", None, elapsed_ms(started))

    def close(self) -> None:
        pass
