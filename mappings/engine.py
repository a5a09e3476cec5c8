"""The generic mapping engine: a YAML map per source, applied record by record.

The vocabulary of a mapping file (``mappings/<source>_<stream>.yaml``; every key is checked on
load, ``declaration.py``):

  source, stream, target  where records come from and the canonical table they feed
  record_key              the source field(s) naming a record; several join with ":"
  fields                  output field -> rule. Every rule has ``type`` (default string),
                          ``required`` and ``check_only`` (validate, output nothing: one that
                          reads only fields ``pii`` drops runs before the drop, and only its
                          messages travel with the scrubbed record); a rule that
                          reads the record has ``from``: a field, a path ("A.B", "A[0].B"), or a
                          list of them (the first non-empty wins). Types and their options:
      string              max_length, allowed (the permitted values)
      integer             min, max
      number
      datetime            format (strptime directives, default %Y%m%d%H%M%S, or ISO8601),
                          timezone (of naive times, default Asia/Ho_Chi_Minh), not_future
      date                format (default %Y-%m-%d), not_future
      code                codes (a list in codes.yaml), missing (the value when empty)
      flag                missing ("0"/"1", true/false)
      province            GSO, pre-merger GSO or portal Hxx code -> current GSO code
      commune             as_of (the datetime field dating the code: pre-merger codes before
                          1 July 2025 go through the crosswalk), ambiguous (quarantine | null:
                          a pre-merger commune split across several new ones)
      commune_province    of (a commune field): its province
      local_date          of (a datetime field): its Asia/Ho_Chi_Minh day
      json                the ``from`` fields as one JSON object (an attribute bag)
      parent              field: the parent row's field (child mappings)
      constant            value
      now                 the time of reading (sources without a version of their own)
  children                rows exploded from a list-valued field: from ("A", or "A[].B" for the
                          Bs of every A), target, fields
  pii                     hash (IDs -> keyed hashes; "L[].F" inside lists), drop (names, phones)
  verify                  system, id, name: whom to check against a national register first
  unknown_fields          quarantine: a record with a field the mapping does not know is schema
                          drift; ``ignore`` lists the fields known but not mapped
  metric_inputs           target, fields: the slim row (no personal data) a quarantined record
                          leaves so the metrics still count it; kept when its required rules
                          hold (a defect outside the metric inputs), a failing rule not required
                          leaves its field empty; never for schema drift (no field can be trusted)

A record whose rules fail goes to quarantine with every reason ("; "-joined: its rules' in order,
then each child mapping's, prefixed "<list>[]: ", then schema drift); the batch goes on. A record
is loaded or quarantined whole, children included; a quarantined one may leave a metric input row. Each rule compiles once, when the mapping
loads, into a converter from the registry (``registry.py``, ``converters.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, Callable

import yaml

from mappings.converters import MAPPINGS_DIR, batch_context, code_lists, top_level_field
from mappings.declaration import ChildMapping, FieldRule, MetricInputMapping, parse_mapping
from mappings.pii import MARKER_SUFFIXES, PiiPolicy
from mappings.registry import Context, Converter, MappingError, Scope

__all__ = ["Mapping", "MappingResult", "FieldRule", "ChildMapping", "MappingError", "code_lists"]


@dataclass
class MappingResult:
    rows: list[dict]
    quarantined: list[tuple[int, str]]  # (index in the input batch, reason)
    children: dict[str, list[dict]] = field(default_factory=dict)  # child table -> rows of loaded records
    metric_inputs: list[tuple[int, dict]] = field(default_factory=list)  # (index, row) of quarantined records


# Where the messages of the checks made before personal data was dropped travel with the scrubbed record.
CHECKED_BEFORE_DROP = "__checked_before_drop"

RecordConverter = Callable[[dict, Context], tuple[dict, "list[tuple[int, str]] | None"]]


@dataclass(frozen=True)
class _Rules:
    """Field rules compiled into one function: record -> (row, errors). An error is (slot, message):
    slot 2k for rule k's missing required value, 2k+1 for rule k's own check."""

    convert: RecordConverter
    hidden: tuple[str, ...]  # check_only fields: converted, then left out of the row

    @classmethod
    def compile(cls, rules: tuple[FieldRule, ...], section: str, parent: tuple[FieldRule, ...] = ()) -> "_Rules":
        outputs = {rule.name: rule for rule in parent if not rule.check_only}
        earlier: dict[str, FieldRule] = {}
        steps = []
        for rule in rules:
            convert = rule.converter(Scope(dict(earlier), outputs), f"{section}.{rule.name}")
            steps.append((rule.name, convert, f"{rule.label}: required value missing" if rule.required else None))
            earlier[rule.name] = rule
        return cls(_straight_line(steps), tuple(rule.name for rule in rules if rule.check_only))

    def output(self, row: dict) -> dict:
        """The row as loaded: without its check_only fields."""
        for name in self.hidden:
            del row[name]
        return row


def _straight_line(steps: list[tuple[str, Converter, str | None]]) -> RecordConverter:
    """One function calling every converter in turn, generated as ``dataclasses`` generates
    ``__init__``: a loop over the rules would cost as much as the converters themselves."""
    namespace: dict[str, Any] = {}
    lines = ["def convert(record, context):", "    row = {}", "    errors = None"]
    for k, (name, convert, missing) in enumerate(steps):
        namespace[f"convert_{k}"], namespace[f"missing_{k}"] = convert, missing
        lines += [f"    value, error = convert_{k}(record, row, context)",
                  f"    row[{name!r}] = value",
                  "    if error is not None:",
                  f"        errors = (errors or []) + [({2 * k + 1}, error)]"]
        if missing is not None:
            lines += ["    elif value is None:",
                      f"        errors = (errors or []) + [({2 * k}, missing_{k})]"]
    exec("\n".join(lines + ["    return row, errors"]), namespace)
    return namespace["convert"]


@dataclass(frozen=True)
class _Children:
    """A child mapping compiled: the rows of one record's list, and what is wrong with them."""

    target: str
    levels: tuple[str, ...]
    rules: _Rules
    not_a_list: str
    prefix: str

    @classmethod
    def compile(cls, child: ChildMapping, index: int, parent: tuple[FieldRule, ...]) -> "_Children":
        return cls(child.target, tuple(child.source_list.split("[].")),
                   _Rules.compile(child.fields, f"children[{index}].fields", parent),
                   f"{child.source_list}: expected a list of objects", f"{child.source_list}[]: ")

    def elements(self, record: dict) -> list[dict] | None:
        """The list's objects (none when the list is absent or empty); None when it is not a list of objects."""
        items = [record]
        for level in self.levels:
            found: list[dict] = []
            for item in items:
                inner = item.get(level)
                if inner is None or inner == "":
                    continue
                if not isinstance(inner, list) or not all(map(isinstance, inner, repeat(dict))):
                    return None
                found += inner
            items = found
        return items

    def rows(self, record: dict, parent_row: dict, context: Context) -> tuple[list[dict], list[str]]:
        """Child rows and reasons: per child rule, its distinct messages over all elements, sorted."""
        elements = self.elements(record)
        if elements is None:
            return [], [self.not_a_list]
        if not elements:
            return [], []
        context = context._replace(parent=parent_row)
        rows, by_slot = [], {}
        for element in elements:
            row, errors = self.rules.convert(element, context)
            rows.append(row)
            for slot, message in errors or ():
                by_slot.setdefault(slot, set()).add(message)
        reasons = [self.prefix + "; ".join(sorted(by_slot[slot])) for slot in sorted(by_slot)]
        return rows, reasons


@dataclass(frozen=True)
class _MetricInputs:
    """A metric input mapping compiled: its row for one quarantined record, or None when a required
    rule fails (the defect touches the metric inputs themselves)."""

    target: str
    rules: _Rules
    required_rules: frozenset[int]
    names: tuple[str, ...]

    @classmethod
    def compile(cls, declared: MetricInputMapping) -> "_MetricInputs":
        return cls(declared.target, _Rules.compile(declared.fields, "metric_inputs.fields"),
                   frozenset(k for k, rule in enumerate(declared.fields) if rule.required),
                   tuple(rule.name for rule in declared.fields))

    def row(self, record: dict, context: Context) -> dict | None:
        row, errors = self.rules.convert(record, context)
        for slot, _ in errors or ():
            if slot // 2 in self.required_rules:
                return None
            row[self.names[slot // 2]] = None
        return self.rules.output(row)


@dataclass(frozen=True)
class Mapping:
    source: str
    stream: str
    target: str
    record_key: str | tuple[str, ...]  # the source field(s) naming a record; several join with ":"
    pii: PiiPolicy
    fields: tuple[FieldRule, ...]
    children: tuple[ChildMapping, ...] = ()
    # Who in each record to verify against a national register before personal data is dropped:
    # {system, id, name} naming the register and the source fields.
    verify: dict | None = None
    # Schema drift guard: when set, a record carrying a top-level field the mapping does not know
    # (neither mapped, nor dropped as personal data, nor listed under ``ignore``) is quarantined.
    known_fields: frozenset[str] | None = None
    # What a record quarantined for a defect outside the metric inputs still hands the metrics.
    metric_inputs: MetricInputMapping | None = None
    _rules: _Rules = field(init=False, repr=False, compare=False)
    _before_drop: _Rules | None = field(init=False, repr=False, compare=False)
    _children: tuple[_Children, ...] = field(init=False, repr=False, compare=False)
    _metric_inputs: "_MetricInputs | None" = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        before_drop = tuple(rule for rule in self.fields if self._reads_only_dropped(rule))
        object.__setattr__(self, "_rules", _Rules.compile(
            tuple(rule for rule in self.fields if rule not in before_drop), "fields"))
        object.__setattr__(self, "_before_drop", _Rules.compile(before_drop, "fields") if before_drop else None)
        object.__setattr__(self, "_children", tuple(
            _Children.compile(child, i, self.fields) for i, child in enumerate(self.children)))
        object.__setattr__(self, "_metric_inputs",
                           _MetricInputs.compile(self.metric_inputs) if self.metric_inputs else None)

    @classmethod
    def load(cls, path: str | Path) -> "Mapping":
        path = Path(path)
        if not path.is_absolute() and not path.exists():
            path = MAPPINGS_DIR / path
        try:
            return cls(**parse_mapping(yaml.safe_load(path.read_text(encoding="utf-8"))))
        except MappingError as exc:
            raise MappingError(f"{path}: {exc}") from None

    def _reads_only_dropped(self, rule: FieldRule) -> bool:
        """A check of personal data the scrub drops: after the drop it would see nothing."""
        dropped = self.pii.drop_fields
        return rule.check_only and bool(rule.sources) and all(top_level_field(s) in dropped for s in rule.sources)

    def scrub(self, record: dict, key: bytes, context: Context | None = None) -> dict:
        """The record without its personal data (``pii``), carrying the messages of the checks that
        needed that data (a birth date in the future), never the data itself."""
        clean = self.pii.scrub(record, key)
        if self._before_drop is not None:
            _, errors = self._before_drop.convert(record, context or batch_context())
            if errors:
                clean[CHECKED_BEFORE_DROP] = [message for _, message in errors]
        return clean

    def key_of(self, record: dict) -> str:
        """The record's natural key as the source states it ("" when absent)."""
        names = (self.record_key,) if isinstance(self.record_key, str) else self.record_key
        parts = [record.get(name) for name in names]
        if all(part in (None, "") for part in parts):
            return ""
        return ":".join("" if part is None else str(part) for part in parts)

    def apply(self, records: list[dict], listing: str | None = None) -> MappingResult:
        """``listing``: the partition the records were listed under (the portal's province code)."""
        context = batch_context(listing)
        rows: list[dict] = []
        quarantined: list[tuple[int, str]] = []
        metric_inputs: list[tuple[int, dict]] = []
        children: dict[str, list[dict]] = {child.target: [] for child in self._children}
        for index, record in enumerate(records):
            row, errors = self._rules.convert(record, context)
            reasons = list(record.get(CHECKED_BEFORE_DROP, ()))
            if errors:
                reasons += [message for _, message in errors]
            produced = []
            for child in self._children:
                child_rows, child_reasons = child.rows(record, row, context)
                reasons += child_reasons
                produced.append((child, child_rows))
            drift = None
            if self.known_fields is not None and not self.known_fields.issuperset(record):
                drift = self._unknown_fields(record)
                if drift:
                    reasons.append(drift)
            if reasons:
                quarantined.append((index, "; ".join(reasons)))
                if self._metric_inputs is not None and drift is None:
                    metric_row = self._metric_inputs.row(record, context)
                    if metric_row is not None:
                        metric_inputs.append((index, metric_row))
                continue
            rows.append(self._rules.output(row))
            for child, child_rows in produced:
                children[child.target] += map(child.rules.output, child_rows) if child.rules.hidden else child_rows
        return MappingResult(rows, quarantined, children, metric_inputs)

    def metric_input_rows(self, records: list[dict], listing: str | None = None) -> list[tuple[int, dict]]:
        """(index, metric input row) of records known to be quarantined (with the same payload before),
        without mapping them whole again: what ``apply`` would have handed the metrics for them."""
        if self._metric_inputs is None:
            return []
        context = batch_context(listing)
        found = []
        for index, record in enumerate(records):
            if self.known_fields is not None and self._unknown_fields(record):
                continue
            row = self._metric_inputs.row(record, context)
            if row is not None:
                found.append((index, row))
        return found

    def _unknown_fields(self, record: dict) -> str | None:
        unknown = sorted(k for k in record if k not in self.known_fields and k != CHECKED_BEFORE_DROP
                         and not str(k).endswith(MARKER_SUFFIXES))
        return f"unexpected field(s) {', '.join(map(str, unknown))}: schema drift" if unknown else None
