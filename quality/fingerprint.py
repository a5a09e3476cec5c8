"""What identifies a day partition's data: how many rows it has and the newest load that touched
them. The quality checks re-check, and the metrics re-publish, only the days whose fingerprint
changed (loads stamp every row they write, so a new or changed row moves ``changed_at``; a row that
moved to another day lowers this day's count). Kept free of heavy imports: publishing uses it too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


def as_utc(value: Any) -> Any:
    """SQLite hands timestamps back naive (they are stored in UTC)."""
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) and value.tzinfo is None else value


@dataclass(frozen=True)
class Fingerprint:
    row_count: int
    changed_at: datetime | None

    @classmethod
    def of(cls, row_count: int | None, changed_at: datetime | None) -> "Fingerprint":
        return cls(int(row_count or 0), as_utc(changed_at))

    def with_reference(self, reference_changed_at: datetime | None) -> "Fingerprint":
        """Also changed when reference data the rows are read with (a catalogue) was reloaded."""
        return combined(self, Fingerprint.of(0, reference_changed_at))


EMPTY = Fingerprint(0, None)


def combined(*parts: Fingerprint) -> Fingerprint:
    """One fingerprint for a day whose inputs are rows of several tables."""
    stamps = [part.changed_at for part in parts if part.changed_at is not None]
    return Fingerprint(sum(part.row_count for part in parts), max(stamps) if stamps else None)
