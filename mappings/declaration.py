"""What a mapping file may say, checked when it loads.

Every key is declared: the document's sections are typed models (``MappingFile``), and a field
rule has the common keys (``from``, ``type``, ``required``, ``check_only``) plus the options its
rule type registers (``mappings/converters.py``), checked against the registry (rule types can
be added at run time). An unknown or misspelt key fails the load with a ``MappingError`` naming
the key and the nearest valid name; ``Mapping.load`` adds the file. docs/schemas/mappings.md is
generated from both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from pydantic import Field

from mappings import converters  # noqa: F401  (registers the built-in rule types)
from mappings import strict_yaml
from mappings.converters import top_level_field
from mappings.pii import PiiPolicy
from mappings.registry import RULE_TYPES, UNRESOLVED, MappingError, Scope
from mappings.strict_yaml import StrictModel, nearest as _nearest

COMMON_RULE_KEYS = ("type", "required", "check_only")
FieldNames = list[str]
# A field rule: its keys depend on its type's registered options (checked by ``FieldRule.parse``).
RuleSpec = dict[str, Any] | None
Rules = dict[str, RuleSpec]


class PiiSection(StrictModel):
    hash: FieldNames = Field(default_factory=list, description='IDs -> keyed hashes ("L[].F" inside lists)')
    drop: FieldNames = Field(default_factory=list, description=(
        "names, phones, e-mails: never stored; check_only rules reading only them run before the drop, and "
        "a text not in Unicode NFC leaves <field>__nfc: false"))


class VerifySection(StrictModel):
    """Whom to check against a national register first."""

    system: str
    id: str
    name: str


class ChildSection(StrictModel):
    """Rows exploded from a list-valued field of each record."""

    source_list: str = Field(alias="from", description='"A", or "A[].B" for the Bs of every A')
    target: str
    fields: Rules = Field(min_length=1, description="output field -> rule")


class MetricInputsSection(StrictModel):
    """What the metrics need of a record quarantined for something else, so that it still counts."""

    target: str
    fields: Rules = Field(min_length=1, description="output field -> rule; a failing rule not required leaves it empty")


class MappingFile(StrictModel):
    """A mapping file: mappings/<source>_<stream>.yaml."""

    source: str
    stream: str
    target: str = Field(description="the canonical table fed")
    record_key: str | FieldNames = Field(description='the source field(s) naming a record; several join with ":"')
    fields: Rules = Field(min_length=1, description="output field -> rule")
    children: list[ChildSection] = Field(default_factory=list)
    pii: PiiSection | None = None
    verify: VerifySection | None = None
    metric_inputs: MetricInputsSection | None = None
    # Schema drift guard: "quarantine" quarantines a record carrying a top-level field the mapping
    # does not know (neither mapped, nor dropped as personal data, nor listed under ``ignore``).
    unknown_fields: Literal["quarantine"] | None = None
    ignore: FieldNames = Field(default_factory=list, description="fields known but not mapped")


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


def _names(where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) and name for name in value):
        raise MappingError(f"{where}: expected a list of field names, got {value!r:.60}")
    return value


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

    source_list: str  # "A", or "A[].B" for the Bs of every A
    target: str  # the table the rows go to
    fields: tuple[FieldRule, ...]

    @classmethod
    def parse(cls, spec: ChildSection, where: str = "children[0]") -> "ChildMapping":
        return cls(source_list=spec.source_list, target=spec.target,
                   fields=tuple(FieldRule.parse(name, rule, f"{where}.fields") for name, rule in spec.fields.items()))


@dataclass(frozen=True)
class MetricInputMapping:
    """The slim row a quarantined record leaves for the metrics: kept when every required rule
    holds; a rule not required that fails leaves its field empty."""

    target: str
    fields: tuple[FieldRule, ...]

    @classmethod
    def parse(cls, spec: MetricInputsSection) -> "MetricInputMapping":
        return cls(target=spec.target, fields=tuple(FieldRule.parse(name, rule, "metric_inputs.fields")
                                                     for name, rule in spec.fields.items()))


def parse_mapping(raw: Any) -> dict[str, Any]:
    """The arguments of ``Mapping`` declared by a mapping file's content."""
    declared = strict_yaml.validate(MappingFile, raw, None, MappingError)
    record_key = declared.record_key
    return dict(
        source=declared.source,
        stream=declared.stream,
        target=declared.target,
        record_key=record_key if isinstance(record_key, str) else tuple(record_key),
        pii=PiiPolicy.from_spec(declared.pii.model_dump() if declared.pii else None),
        fields=tuple(FieldRule.parse(name, spec) for name, spec in declared.fields.items()),
        children=tuple(ChildMapping.parse(spec, f"children[{i}]") for i, spec in enumerate(declared.children)),
        verify=declared.verify.model_dump() if declared.verify else None,
        metric_inputs=MetricInputMapping.parse(declared.metric_inputs) if declared.metric_inputs else None,
        known_fields=_known_fields(raw) if declared.unknown_fields == "quarantine" else None,
    )


def _known_fields(raw: dict) -> frozenset[str]:
    names = set(raw.get("ignore") or [])
    pii = raw.get("pii") or {}
    names.update(pii.get("drop", []))
    names.update(name.split("[].")[0] for name in pii.get("hash", []))
    for spec in [*raw["fields"].values(), *((raw.get("metric_inputs") or {}).get("fields") or {}).values()]:
        sources = (spec or {}).get("from", ())
        names.update(top_level_field(source) for source in ((sources,) if isinstance(sources, str) else sources))
    for child in raw.get("children") or []:
        names.add(child["from"].split("[].")[0])
    return frozenset(names)
