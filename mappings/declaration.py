"""What a mapping file may say, checked when it loads.

Every key is declared: the top-level sections, the keys of ``pii``, ``verify`` and each child,
and for a field rule the common keys (``from``, ``type``, ``required``, ``check_only``) plus the
options its rule type registers (``mappings/converters.py``). An unknown or misspelt key fails
the load with a ``MappingError`` naming the key and the nearest valid name; ``Mapping.load`` adds
the file.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable

from mappings import converters  # noqa: F401  (registers the built-in rule types)
from mappings.converters import top_level_field
from mappings.pii import PiiPolicy
from mappings.registry import RULE_TYPES, UNRESOLVED, MappingError, Scope

MAPPING_KEYS = ("source", "stream", "target", "record_key", "fields", "children", "pii", "verify",
                "unknown_fields", "ignore")
REQUIRED_MAPPING_KEYS = ("source", "stream", "target", "record_key", "fields")
PII_KEYS = ("hash", "drop")
VERIFY_KEYS = ("system", "id", "name")
CHILD_KEYS = ("from", "target", "fields")
# Schema drift guard: "quarantine" quarantines a record carrying a top-level field the mapping
# does not know (neither mapped, nor dropped as personal data, nor listed under ``ignore``).
UNKNOWN_FIELDS_POLICIES = ("quarantine",)
COMMON_RULE_KEYS = ("type", "required", "check_only")


def check_keys(where: str, spec: Any, valid: Iterable[str], required: Iterable[str] = ()) -> None:
    valid = tuple(valid)
    prefix = f"{where}: " if where else ""
    if not isinstance(spec, dict):
        raise MappingError(f"{prefix}expected keys ({', '.join(valid)}), got {type(spec).__name__}")
    for key in spec:
        if key not in valid:
            raise MappingError(f"{prefix}unknown key {key!r}{_nearest(key, valid)}")
    for key in required:
        if key not in spec:
            raise MappingError(f"{prefix}missing key {key!r}")


def _named_entries(where: str, spec: Any) -> dict:
    if not isinstance(spec, dict) or not spec:
        raise MappingError(f"{where}: expected one entry per output field, got {spec!r:.60}")
    return spec


def _names(where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) and name for name in value):
        raise MappingError(f"{where}: expected a list of field names, got {value!r:.60}")
    return value


def _nearest(key: Any, valid: tuple[str, ...], what: str = "keys") -> str:
    close = difflib.get_close_matches(str(key), valid, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (valid {what}: {', '.join(valid)})"


@dataclass(frozen=True)
class FieldRule:
    name: str
    sources: tuple[str, ...]
    type: str
    required: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # the type's options, and check_only

    @classmethod
    def parse(cls, name: str, spec: dict | None, section: str = "fields") -> "FieldRule":
        where = f"{section}.{name}"
        if not isinstance(name, str) or not name:
            raise MappingError(f"{where}: an output field is named by text")
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            raise MappingError(f"{where}: expected a rule such as {{from: Field, type: string}}, got {spec!r:.60}")
        kind = spec.get("type", "string")
        declared = RULE_TYPES.get(kind)
        if declared is None:
            raise MappingError(f"{where}: unknown type {kind!r}{_nearest(kind, tuple(RULE_TYPES), 'types')}")
        reads = ("from",) if declared.reads_source else ()
        check_keys(f"{where} (type {kind})", spec, reads + COMMON_RULE_KEYS + declared.options,
                   required=reads + declared.required_options)
        sources = spec.get("from")
        sources = (sources,) if isinstance(sources, str) else tuple(_names(f"{where}.from", sources))
        options = {k: v for k, v in spec.items() if k not in ("from", "type", "required")}
        rule = cls(name=name, sources=sources, type=kind, required=bool(spec.get("required", False)), options=options)
        rule.converter(UNRESOLVED, where)  # checks option values now; references are checked in context
        return rule

    @property
    def label(self) -> str:
        return "/".join(self.sources) or self.name

    @property
    def check_only(self) -> bool:
        """Validates a source field without an output column (a mandatory field the target lacks)."""
        return bool(self.options.get("check_only"))

    def converter(self, scope: Scope, where: str):
        try:
            return RULE_TYPES[self.type].build(self, scope)
        except MappingError as exc:
            raise MappingError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class ChildMapping:
    """Rows exploded from a list-valued field of each record ("A[].B": the Bs of every A)."""

    source_list: str
    target: str
    fields: tuple[FieldRule, ...]

    @classmethod
    def parse(cls, spec: dict, where: str = "children[0]") -> "ChildMapping":
        check_keys(where, spec, CHILD_KEYS, required=CHILD_KEYS)
        rules = _named_entries(f"{where}.fields", spec["fields"])
        return cls(source_list=spec["from"], target=spec["target"],
                   fields=tuple(FieldRule.parse(name, rule, f"{where}.fields") for name, rule in rules.items()))


def parse_mapping(raw: Any) -> dict[str, Any]:
    """The arguments of ``Mapping`` declared by a mapping file's content."""
    check_keys("", raw, MAPPING_KEYS, required=REQUIRED_MAPPING_KEYS)
    rules = _named_entries("fields", raw["fields"])
    if raw.get("pii") is not None:
        check_keys("pii", raw["pii"], PII_KEYS)
        for key in PII_KEYS:
            _names(f"pii.{key}", raw["pii"].get(key))
    _names("ignore", raw.get("ignore"))
    if raw.get("verify") is not None:
        check_keys("verify", raw["verify"], VERIFY_KEYS, required=VERIFY_KEYS)
    policy = raw.get("unknown_fields")
    if policy is not None and policy not in UNKNOWN_FIELDS_POLICIES:
        suggestion = _nearest(policy, UNKNOWN_FIELDS_POLICIES, "policies")
        raise MappingError(f"unknown_fields: {policy!r} is not a policy{suggestion}")
    children = raw.get("children") or []
    if not isinstance(children, list):
        raise MappingError(f"children: expected a list of child mappings, got {children!r:.60}")
    record_key = raw["record_key"]
    return dict(
        source=raw["source"],
        stream=raw["stream"],
        target=raw["target"],
        record_key=record_key if isinstance(record_key, str) else tuple(_names("record_key", record_key)),
        pii=PiiPolicy.from_spec(raw.get("pii")),
        fields=tuple(FieldRule.parse(name, spec) for name, spec in rules.items()),
        children=tuple(ChildMapping.parse(spec, f"children[{i}]") for i, spec in enumerate(children)),
        verify=raw.get("verify"),
        known_fields=_known_fields(raw) if policy == "quarantine" else None,
    )


def _known_fields(raw: dict) -> frozenset[str]:
    names = set(raw.get("ignore") or [])
    pii = raw.get("pii") or {}
    names.update(pii.get("drop", []))
    names.update(name.split("[].")[0] for name in pii.get("hash", []))
    for spec in raw["fields"].values():
        sources = (spec or {}).get("from", ())
        names.update(top_level_field(source) for source in ((sources,) if isinstance(sources, str) else sources))
    for child in raw.get("children") or []:
        names.add(child["from"].split("[].")[0])
    return frozenset(names)
