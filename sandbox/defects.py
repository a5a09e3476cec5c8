"""Record-level data defects shared by every simulator (invalid ID, NFD text, future date, ...).

Whether a record is hit is a pure function of (fault seed, defect, record key) compared with the
switch's rate: a record served twice (retry, re-read of a file) carries the same defect both
times, so the ledger's defect keys stay exact. Records are plain dicts, possibly nested; fields
are named by dotted paths ("HoVaTen.Ten").
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from .faults import FaultSwitches
from .ledger import Ledger


def keyed_unit(*parts) -> float:
    """A uniform number in [0, 1) fixed by ``parts`` (stable across processes, unlike hash())."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def nfd_variant(text: str, key: str) -> str:
    """Decomposed Unicode; every other affected record is also upper-cased, as legacy systems do.

    Text without diacritics is upper-cased too, so that every defect is visible in the data.
    """
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed == text or keyed_unit("upper", key) < 0.5:
        return decomposed.upper()
    return decomposed


def malformed_id(personal_id: str, key: str) -> str:
    """An ID no validator accepts: a digit short, or a letter O typed for a zero."""
    if keyed_unit("malformed", key) < 0.5 or "0" not in personal_id:
        return personal_id[:-1]
    return personal_id.replace("0", "O", 1)


def get_path(record: dict, path: str):
    node = record
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def set_path(record: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    node = record
    for part in parents:
        node = node[part]
    node[last] = value


def rename_key(record: dict, old: str, new: str) -> dict:
    """A copy with ``old`` renamed to ``new`` in place (column order kept)."""
    return {(new if k == old else k): v for k, v in record.items()}


@dataclass(frozen=True)
class RecordShape:
    """Where a system's records keep the fields each defect corrupts."""

    id_fields: tuple[str, ...]
    name_fields: tuple[str, ...]
    date_field: str
    format_date: Callable[[date], str]
    mandatory: tuple[str, ...]
    # Record-level schema drift: rename one field and/or add one. Systems whose schema is a file
    # header or a table (CSV, SQL) drift per container instead, through ``hit``.
    drift_rename: tuple[str, str] | None = None
    drift_add: dict = field(default_factory=dict)

    def missing_field(self, key: str) -> str:
        """The mandatory field ``missing_mandatory`` empties in record ``key``."""
        return self.mandatory[int(keyed_unit("mandatory", key) * len(self.mandatory))]


RECORD_DEFECTS = ("invalid_id", "unicode_nfd", "future_date", "missing_mandatory", "schema_drift")


class DefectInjector:
    def __init__(self, system: str, switches: FaultSwitches, ledger: Ledger, shape: RecordShape, today: date):
        self.system = system
        self.switches = switches
        self.ledger = ledger
        self.shape = shape
        self.today = today

    def hit(self, defect: str, key: str) -> bool:
        """Whether ``key`` (a record or a container) suffers ``defect`` under the current switches."""
        rate = self.switches.rate(defect)
        return rate > 0 and keyed_unit(self.switches.seed, defect, key) < rate

    def record_defect(self, defect: str, keys) -> None:
        for key in keys:
            self.ledger.defect(self.system, defect, key)

    def apply(self, record: dict, key: str, defects=RECORD_DEFECTS) -> dict:
        """The record as served: corrupted in place by every defect that hits it, each recorded."""
        shape = self.shape
        for defect in defects:
            if defect == "schema_drift" and not (shape.drift_rename or shape.drift_add):
                continue
            if not self.hit(defect, key):
                continue
            if defect == "invalid_id":
                for path in shape.id_fields:
                    value = get_path(record, path)
                    if value:
                        set_path(record, path, malformed_id(value, key))
            elif defect == "unicode_nfd":
                for path in shape.name_fields:
                    value = get_path(record, path)
                    if value:
                        set_path(record, path, nfd_variant(value, key))
            elif defect == "future_date":
                # Future for any reader: after the scenario clock and after the real today too,
                # since a hub checks dates against its own clock.
                days = 1 + int(keyed_unit("future", key) * 400)
                base = max(self.today, date.today())
                set_path(record, shape.date_field, shape.format_date(base + timedelta(days=days)))
            elif defect == "missing_mandatory":
                set_path(record, shape.missing_field(key), None)
            elif defect == "schema_drift":
                if shape.drift_rename:
                    record = rename_key(record, *shape.drift_rename)
                record.update(shape.drift_add)
            self.ledger.defect(self.system, defect, key)
        return record
