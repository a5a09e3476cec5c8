"""Personal data never lands: IDs become keyed hashes (HMAC-SHA256), names and phones are dropped.

Runs on raw records before anything is stored, driven by each mapping's ``pii`` section.
The shape of an ID (12-digit personal ID, 9-digit card, placeholder, ...) is kept beside the
hash as ``<field>__kind`` so quality checks still see malformed IDs; a dropped text that did not
come in Unicode NFC leaves ``<field>__nfc: false`` (only then), so the sạch check still sees how
the source encoded the names it never receives.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from unicodedata import is_normalized

from mappings.admin_units import load_admin_units

PLACEHOLDER_IDS = {"000000001", "000000000", "000000000000"}
# The suffixes of what the scrub keeps beside a personal field: an ID's shape, a dropped text's encoding.
MARKER_SUFFIXES = ("__kind", "__nfc")


def _birth_codes() -> frozenset[str]:
    # Digits 1-3 of a personal ID: 0 + the pre-merger province of birth registration (001..096).
    return frozenset("0" + code for code in load_admin_units().old_provinces)


def _id_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def id_kind(value: object) -> str:
    return _kind_of(_id_text(value))


def _kind_of(text: str) -> str:
    if not text:
        return "missing"
    if text in PLACEHOLDER_IDS:
        return "placeholder"
    if text.isdecimal():  # what the pattern ^\d+$ matched: Unicode decimal digits
        if len(text) == 12:
            return "personal_id" if text[:3] in _BIRTH_CODES and text[3] in "0123456789" else "invalid"
        if len(text) == 9:
            return "id_card_9"
        return "invalid"
    return "other"  # passport, tax code, ...


_BIRTH_CODES = _birth_codes()


def hash_id(value: object, key: bytes) -> str | None:
    return _hash_of(_id_text(value), key)


def _hash_of(text: str, key: bytes) -> str | None:
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex() if text else None


class _IdsOfRecord:
    """Hash and shape of each ID in one record, computed once: an owner's ID often appears twice."""

    __slots__ = ("key", "seen")

    def __init__(self, key: bytes):
        self.key, self.seen = key, {}

    def __call__(self, value: object) -> tuple[str | None, str]:
        text = _id_text(value)
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = (_hash_of(text, self.key), _kind_of(text))
        return found


@dataclass(frozen=True)
class PiiPolicy:
    hash_fields: tuple[str, ...] = ()
    drop_fields: tuple[str, ...] = ()
    # "list.field": a field inside each element of a list-valued field
    nested_hash: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def from_spec(cls, spec: dict | None) -> "PiiPolicy":
        spec = spec or {}
        flat, nested = [], []
        for name in spec.get("hash", []):
            if "[]." in name:
                outer, inner = name.split("[].", 1)
                nested.append((outer, inner))
            else:
                flat.append(name)
        return cls(tuple(flat), tuple(spec.get("drop", [])), tuple(nested))

    def scrub(self, record: dict, key: bytes) -> dict:
        clean = {k: v for k, v in record.items() if k not in self.drop_fields}
        for name in self.drop_fields:
            value = record.get(name)
            if value.__class__ is str and not value.isascii() and not is_normalized("NFC", value):
                clean[f"{name}__nfc"] = False
        ids = _IdsOfRecord(key)
        for name in self.hash_fields:
            if name in clean:
                digest, kind = ids(clean[name])
                clean[f"{name}__kind"] = kind
                clean[name] = digest
        for outer, inner in self.nested_hash:
            items = clean.get(outer)
            if isinstance(items, list):
                clean[outer] = [_hashed_item(item, inner, ids) if isinstance(item, dict) else None for item in items]
        return clean


def _hashed_item(item: dict, name: str, ids: _IdsOfRecord) -> dict:
    digest, kind = ids(item.get(name))
    return {**item, name: digest, f"{name}__kind": kind}
