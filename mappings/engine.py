"""The generic mapping engine: a YAML map per source, applied column-wise to a batch (pandas).

A field rule names its source field(s), a type and optional constraints. A record whose rules
fail goes to quarantine with every reason found; the others become canonical rows. The engine
holds no per-field logic: adding a source is a YAML file.

Rule keys: from (name or list, first non-empty wins), type (string | integer | datetime | date |
code | flag | province | commune | local_date | json | parent | constant), required, codes (a list in
codes.yaml), format (datetime/date; "ISO8601" for ISO-8601 with or without offset), timezone
(of naive datetimes, default Asia/Ho_Chi_Minh), max_length, min, max, missing (value used when
empty), value (constant), of (local_date: the datetime field it derives from), as_of (commune:
the datetime field that dates the code, for the pre-/post-merger vintage), ambiguous (commune:
"quarantine" (default) or "null" for a pre-merger commune split across several new ones),
field (parent: the parent's canonical field), allowed (string: the permitted values), not_future
(date/datetime: later than now is an error), check_only (validate, do not output), of
(commune_province: the commune field whose province to take).

``children`` declares rows exploded from a list-valued source field (attachments of a dossier):
a record is loaded whole or quarantined whole, children included.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mappings.admin_units import AMBIGUOUS, MERGER_EFFECTIVE, load_admin_units
from mappings.pii import PiiPolicy

MAPPINGS_DIR = Path(__file__).parent
# Flags arrive as the portal's "0"/"1" strings or as JSON booleans.
FLAG_CODES = {"0": False, "1": True, "False": False, "True": True, "false": False, "true": True}
LOCAL_TZ = "Asia/Ho_Chi_Minh"


@lru_cache(maxsize=1)
def code_lists() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load((MAPPINGS_DIR / "codes.yaml").read_text(encoding="utf-8"))
    return {name: {str(k): v for k, v in values.items()} for name, values in raw.items()}


class MappingError(ValueError):
    """The mapping file itself is wrong (not the data)."""


@dataclass(frozen=True)
class FieldRule:
    name: str
    sources: tuple[str, ...]
    type: str
    required: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    TYPES = ("string", "integer", "number", "datetime", "date", "code", "flag", "province", "commune",
             "commune_province", "local_date", "json", "parent", "constant", "now")

    @classmethod
    def parse(cls, name: str, spec: dict) -> "FieldRule":
        spec = dict(spec)
        sources = spec.pop("from", ())
        sources = (sources,) if isinstance(sources, str) else tuple(sources)
        kind = spec.pop("type", "string")
        if kind not in cls.TYPES:
            raise MappingError(f"field {name}: unknown type {kind!r}")
        if kind == "code" and spec.get("codes") not in code_lists():
            raise MappingError(f"field {name}: unknown code list {spec.get('codes')!r}")
        return cls(name=name, sources=sources, type=kind, required=bool(spec.pop("required", False)), options=spec)

    @property
    def label(self) -> str:
        return "/".join(self.sources) or self.name


@dataclass
class MappingResult:
    rows: list[dict]
    quarantined: list[tuple[int, str]]  # (index in the input batch, reason)
    children: dict[str, list[dict]] = field(default_factory=dict)  # child table -> rows of loaded records


@dataclass(frozen=True)
class ChildMapping:
    """Rows exploded from a list-valued field of each record."""

    source_list: str
    target: str
    fields: tuple[FieldRule, ...]

    @classmethod
    def parse(cls, spec: dict) -> "ChildMapping":
        return cls(source_list=spec["from"], target=spec["target"],
                   fields=tuple(FieldRule.parse(name, rule or {}) for name, rule in spec["fields"].items()))


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

    @classmethod
    def load(cls, path: str | Path) -> "Mapping":
        path = Path(path)
        if not path.is_absolute() and not path.exists():
            path = MAPPINGS_DIR / path
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            source=raw["source"],
            stream=raw["stream"],
            target=raw["target"],
            record_key=raw["record_key"] if isinstance(raw["record_key"], str) else tuple(raw["record_key"]),
            pii=PiiPolicy.from_spec(raw.get("pii")),
            fields=tuple(FieldRule.parse(name, spec or {}) for name, spec in raw["fields"].items()),
            children=tuple(ChildMapping.parse(spec) for spec in raw.get("children", [])),
            verify=raw.get("verify"),
            known_fields=_known_fields(raw) if raw.get("unknown_fields") == "quarantine" else None,
        )

    def key_of(self, record: dict) -> str:
        """The record's natural key as the source states it ("" when absent)."""
        names = (self.record_key,) if isinstance(self.record_key, str) else self.record_key
        parts = [record.get(name) for name in names]
        if all(part in (None, "") for part in parts):
            return ""
        return ":".join("" if part is None else str(part) for part in parts)

    def apply(self, records: list[dict]) -> MappingResult:
        if not records:
            return MappingResult([], [], {child.target: [] for child in self.children})
        frame = pd.DataFrame.from_records(records)
        frame.index = pd.RangeIndex(len(frame))
        out, errors = _convert_all(self.fields, frame, {})
        canonical = pd.DataFrame(out).drop(columns=_check_only(self.fields))
        child_frames = []
        for child in self.children:
            rows, child_errors = _explode(child, records, canonical)
            errors += child_errors
            child_frames.append((child, rows))
        if self.known_fields is not None:
            errors.append(self._unknown_fields(records, frame.index))
        reasons = _join_reasons(errors, frame.index)
        bad = reasons.notna()
        quarantined = [(int(i), reasons[i]) for i in reasons.index[bad]]
        children = {}
        for child, rows in child_frames:
            keep = ~rows["__parent"].isin(reasons.index[bad]) if len(rows) else pd.Series(dtype=bool)
            children[child.target] = _to_records(rows[keep].drop(columns="__parent")) if len(rows) else []
        return MappingResult(_to_records(canonical[~bad]), quarantined, children)


    def _unknown_fields(self, records: list[dict], index: pd.Index) -> pd.Series:
        found = pd.Series(pd.NA, index=index, dtype="object")
        for i, record in enumerate(records):
            unknown = sorted(k for k in record if k not in self.known_fields and not str(k).endswith("__kind"))
            if unknown:
                found[i] = f"unexpected field(s) {', '.join(map(str, unknown))}: schema drift"
        return found


def _known_fields(raw: dict) -> frozenset[str]:
    names = set(raw.get("ignore", []))
    pii = raw.get("pii") or {}
    names.update(pii.get("drop", []))
    names.update(name.split("[].")[0] for name in pii.get("hash", []))
    for spec in (raw.get("fields") or {}).values():
        sources = (spec or {}).get("from", ())
        for source in (sources,) if isinstance(sources, str) else sources:
            names.add(_path_steps(source)[0] if _is_path(source) else source)
    for child in raw.get("children", []):
        names.add(child["from"].split("[].")[0])
    return frozenset(names)


def _check_only(rules) -> list[str]:
    """Fields that only validate (a mandatory source field the target has no column for)."""
    return [rule.name for rule in rules if rule.options.get("check_only")]


def _convert_all(rules, frame: pd.DataFrame, parent: dict[str, pd.Series]) -> tuple[dict, list[pd.Series]]:
    out: dict[str, pd.Series] = {}
    errors: list[pd.Series] = []
    for rule in rules:
        value, error = _convert(rule, frame, out, parent)
        if rule.required:
            missing = value.isna() & (error.isna() if error is not None else True)
            req = pd.Series(pd.NA, index=frame.index, dtype="object")
            req[missing] = f"{rule.label}: required value missing"
            errors.append(req)
        if error is not None:
            errors.append(error)
        out[rule.name] = value
    return out, errors


def _explode(child: ChildMapping, records: list[dict], parents: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.Series]]:
    """Child rows of every record, and per-record errors (a bad child quarantines its parent)."""
    owners, elements, shape = [], [], pd.Series(pd.NA, index=parents.index, dtype="object")
    levels = child.source_list.split("[].")  # "CASES[].COMPONENTS": components of every case
    for i, record in enumerate(records):
        items, broken = [record], False
        for level in levels:
            found = []
            for item in items:
                inner = item.get(level) if isinstance(item, dict) else None
                if inner in (None, ""):
                    continue
                if not isinstance(inner, list) or not all(isinstance(x, dict) for x in inner):
                    broken = True
                    break
                found += inner
            items = found
            if broken:
                break
        if broken:
            shape[i] = f"{child.source_list}: expected a list of objects"
            continue
        owners += [i] * len(items)
        elements += items
    if not elements:
        return pd.DataFrame(), [shape]
    frame = pd.DataFrame.from_records(elements)
    owner = pd.Series(owners, index=frame.index)
    parent_values = {name: column.reindex(owner).set_axis(frame.index) for name, column in parents.items()}
    out, errors = _convert_all(child.fields, frame, parent_values)
    rows = pd.DataFrame(out).drop(columns=_check_only(child.fields))
    rows["__parent"] = owner
    per_parent = [
        error.dropna().groupby(owner[error.dropna().index]).agg(
            lambda msgs: f"{child.source_list}[]: " + "; ".join(sorted(set(msgs)))).reindex(parents.index)
        for error in errors if error.notna().any()
    ]
    return rows, [shape] + per_parent


def _join_reasons(errors: list[pd.Series], index: pd.Index) -> pd.Series:
    if not errors:
        return pd.Series(pd.NA, index=index, dtype="object")
    table = pd.concat(errors, axis=1)
    has = table.notna().any(axis=1)
    joined = pd.Series(pd.NA, index=index, dtype="object")
    if has.any():
        joined[has] = table[has].apply(lambda row: "; ".join(str(v) for v in row if pd.notna(v)), axis=1)
    return joined


def _text(frame: pd.DataFrame, sources: tuple[str, ...]) -> tuple[pd.Series, pd.Series | None]:
    """The first non-empty source value as NFC-normalised, trimmed text; NA when empty."""
    result = pd.Series(pd.NA, index=frame.index, dtype="object")
    error = None
    for source in sources:
        if source in frame.columns:
            column = frame[source]
        elif _is_path(source) and _path_steps(source)[0] in frame.columns:
            steps = _path_steps(source)
            column = frame[steps[0]].map(lambda value: _follow(value, steps[1:]))
        else:
            continue
        nested = column.map(lambda v: isinstance(v, (dict, list)))
        if nested.any():
            err = pd.Series(pd.NA, index=frame.index, dtype="object")
            err[nested] = f"{source}: expected a single value, got a list or object"
            error = err if error is None else error.fillna(err)
            column = column.where(~nested, None)
        text = column.astype("string").str.normalize("NFC").str.strip()
        text = text.mask(text == "")
        result = result.where(result.notna(), text.astype("object"))
    return result.where(result.notna(), pd.NA), error


def _is_path(source: str) -> bool:
    return "." in source or "[" in source


@lru_cache(maxsize=256)
def _path_steps(source: str) -> tuple:
    """'LINHVUCTHUCHIEN[0].MALINHVUC' -> ('LINHVUCTHUCHIEN', 0, 'MALINHVUC')."""
    steps: list = []
    for part in source.split("."):
        name, _, rest = part.partition("[")
        if name:
            steps.append(name)
        while rest:
            number, _, rest = rest.partition("]")
            steps.append(int(number))
            rest = rest.lstrip("[")
    return tuple(steps)


def _follow(value, steps: tuple):
    for step in steps:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and -len(value) <= step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def _merge(a: pd.Series | None, b: pd.Series | None) -> pd.Series | None:
    if a is None:
        return b
    if b is None:
        return a
    return a.where(a.notna(), b)


def _convert(rule: FieldRule, frame: pd.DataFrame, done: dict[str, pd.Series], parent: dict[str, pd.Series]):
    opts = rule.options
    index = frame.index

    def fail(mask: pd.Series, message: str) -> pd.Series:
        err = pd.Series(pd.NA, index=index, dtype="object")
        err[mask] = message
        return err

    if rule.type == "constant":
        return pd.Series(opts["value"], index=index, dtype="object"), None
    if rule.type == "parent":
        return parent[opts["field"]], None
    if rule.type == "now":  # the time of reading, for sources that carry no version of their own
        return pd.Series(pd.Timestamp.now(tz="UTC"), index=index), None
    if rule.type == "local_date":
        source = done[opts["of"]]
        local = pd.to_datetime(source, utc=True).dt.tz_convert(LOCAL_TZ)
        return local.dt.date.astype("object").where(local.notna(), None), None

    text, shape_error = _text(frame, rule.sources)
    present = text.notna()
    if rule.type == "string":
        error = shape_error
        limit = opts.get("max_length")
        if limit:
            error = _merge(error, fail(present & (text.str.len() > limit), f"{rule.label}: longer than {limit} characters"))
        if "allowed" in opts:
            allowed = [str(v) for v in opts["allowed"]]
            error = _merge(error, fail(present & ~text.isin(allowed), f"{rule.label}: not one of {', '.join(allowed)}"))
        return text, error
    if rule.type == "integer":
        number = pd.to_numeric(text, errors="coerce").astype("float64")
        # Beyond 2**53 a float no longer holds an exact integer: such values are errors, not data.
        exact = number.notna() & (number.abs() < 2**53)
        bad = present & (~exact | (number % 1 != 0))
        error = _merge(shape_error, fail(bad, f"{rule.label}: not an integer"))
        if "min" in opts or "max" in opts:
            low, high = opts.get("min", float("-inf")), opts.get("max", float("inf"))
            error = _merge(error, fail(~bad & present & ((number < low) | (number > high)),
                                       f"{rule.label}: outside {low}..{high}"))
        return number.where(exact & ~bad).astype("Int64"), error
    if rule.type == "number":
        number = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = present & (number.isna() | ~number.abs().lt(float("inf")))
        return number.where(~bad).astype("object").where(number.notna() & ~bad, None), \
            _merge(shape_error, fail(bad, f"{rule.label}: not a number"))
    if rule.type == "datetime":
        fmt = opts.get("format", "%Y%m%d%H%M%S")
        utc = _parse_datetime(text, fmt, opts.get("timezone", LOCAL_TZ))
        bad = present & utc.isna()
        error = _merge(shape_error, fail(bad, f"{rule.label}: not a date in the format {fmt}"))
        if opts.get("not_future"):
            error = _merge(error, fail(utc.notna() & (utc > pd.Timestamp.now(tz="UTC")), f"{rule.label}: in the future"))
        return utc, error
    if rule.type == "date":
        fmt = opts.get("format", "%Y-%m-%d")
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # an ISO-8601 date with an offset
            parsed = parsed.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
        bad = present & parsed.isna()
        dates = parsed.dt.date.astype("object").where(parsed.notna(), None)
        error = _merge(shape_error, fail(bad, f"{rule.label}: not a date in the format {fmt}"))
        if opts.get("not_future"):
            today = pd.Timestamp.now(tz=LOCAL_TZ).tz_localize(None).normalize()
            error = _merge(error, fail(parsed.notna() & (parsed > today), f"{rule.label}: in the future"))
        return dates, error
    if rule.type == "json":
        columns = [c for c in rule.sources if c in frame.columns]
        texts = {c: _text(frame, (c,))[0] for c in columns}
        packed = pd.Series([
            json.dumps({c: texts[c][i] for c in columns if pd.notna(texts[c][i])}, ensure_ascii=False, sort_keys=True)
            for i in index], index=index, dtype="object")
        return packed, None
    if rule.type in ("code", "flag"):
        codes = FLAG_CODES if rule.type == "flag" else code_lists()[opts["codes"]]
        mapped = text.map(codes)
        unknown = present & mapped.isna()
        if "missing" in opts:
            mapped = mapped.where(present, opts["missing"])
        error = _merge(shape_error, fail(unknown, f"{rule.label}: unknown code"))
        if all(isinstance(v, int) and not isinstance(v, bool) for v in codes.values()):
            return mapped.astype("Int64"), error
        return mapped.astype("object").where(mapped.notna(), None), error
    if rule.type == "commune_province":
        provinces = {c.code: c.province_code for c in load_admin_units().communes.values()}
        return done[opts["of"]].map(provinces), None
    if rule.type == "province":
        crosswalk = load_admin_units().province_crosswalk()
        mapped = text.map(crosswalk)
        return mapped, _merge(shape_error, fail(present & mapped.isna(), f"{rule.label}: unknown province code"))
    if rule.type == "commune":
        return _commune(rule, text, present, done, shape_error, fail)
    raise MappingError(f"field {rule.name}: unhandled type {rule.type}")


def _parse_datetime(text: pd.Series, fmt: str, timezone: str) -> pd.Series:
    """UTC timestamps; naive values are read in ``timezone``, offsets (ISO-8601) are honoured."""
    if fmt.upper() == "ISO8601":
        result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
        strings = text.astype("string")
        with_offset = strings.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True, na=False)
        if with_offset.any():
            result[with_offset] = pd.to_datetime(strings[with_offset], format="ISO8601", utc=True, errors="coerce")
        naive = strings.notna() & ~with_offset
        if naive.any():
            local = pd.to_datetime(strings[naive], format="ISO8601", errors="coerce")
            if isinstance(local.dtype, pd.DatetimeTZDtype):
                local = local.dt.tz_localize(None)
            result[naive] = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        return result
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    return parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")


@lru_cache(maxsize=1)
def _commune_tables() -> tuple[frozenset[str], dict[str, str]]:
    units = load_admin_units()
    return frozenset(units.communes), units.old_commune_resolution()


def _commune(rule: FieldRule, text: pd.Series, present: pd.Series, done: dict, shape_error, fail):
    """A commune code as of the record's date: before 1 July 2025 codes are pre-merger codes and go
    through the crosswalk; after it they must be current, though stale pre-merger codes still map."""
    current, old_to_new = _commune_tables()
    as_of = rule.options.get("as_of")
    if as_of:
        boundary = pd.Timestamp(MERGER_EFFECTIVE, tz=LOCAL_TZ).tz_convert("UTC")
        old_vintage = done[as_of].notna() & (done[as_of] < boundary)
    else:
        old_vintage = pd.Series(False, index=text.index)
    is_current = text.isin(current) & ~old_vintage
    translated = text.map(old_to_new).where(~is_current)
    value = text.where(is_current, translated)
    ambiguous = present & (value == AMBIGUOUS)
    unknown = present & value.isna()
    value = value.where(~ambiguous & value.notna(), pd.NA)
    error = _merge(shape_error, fail(unknown, f"{rule.label}: unknown commune code"))
    if rule.required or rule.options.get("ambiguous", "quarantine") == "quarantine":
        error = _merge(error, fail(ambiguous, f"{rule.label}: pre-merger commune split across several new communes"))
    return value, error


def _to_records(frame: pd.DataFrame) -> list[dict]:
    """Plain Python values for the database drivers: datetimes, ints, bools, None for missing."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            values = [None if pd.isna(v) else v.to_pydatetime() for v in column]
        elif str(column.dtype) == "Int64":
            values = [None if pd.isna(v) else int(v) for v in column]
        else:
            values = [None if (v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))) else v for v in column]
        columns[name] = values
    return [dict(zip(columns, row)) for row in zip(*columns.values())]
