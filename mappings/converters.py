"""The built-in rule types, one registered converter builder each.

Source values become text first (``source_text``): NFC-normalised and trimmed, None when empty,
and a list or object where a single value belongs is an error. A rule with several sources takes
the first non-empty one. Each rule reports at most one error per record: the first that applies.

Values and reasons are those of the former pandas engine, record for record. It differed only on
malformed input, where it was wrong: "now" and "today" were dates; how a record read could depend
on the others in its batch (a number beside a missing value elsewhere became a float, "5" read as
"5.0"; one timestamp with nanoseconds narrowed the years allowed to all); mixed ISO-8601 offsets or
an out-of-range timestamp failed the whole batch; numbers with large exponents could be one unit in
the last place off. Each record is now read on its own.
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from unicodedata import is_normalized, normalize

import yaml

from mappings.admin_units import AMBIGUOUS, MERGER_EFFECTIVE, load_admin_units
from mappings.registry import Context, MappingError, Scope, rule_type
from mappings.timeparse import LOCAL_TZ, PORTAL_FORMAT, UTC, instant_reader, local_time, wall_reader

MAPPINGS_DIR = Path(__file__).parent
LOCAL = local_time(LOCAL_TZ)
# Flags arrive as the portal's "0"/"1" strings or as JSON booleans.
FLAG_CODES = {"0": False, "1": True, "False": False, "True": True, "false": False, "true": True}
# Beyond 2**53 a float no longer holds an exact integer: such values are errors, not data.
EXACT_INTEGERS = 2**53


@lru_cache(maxsize=1)
def code_lists() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load((MAPPINGS_DIR / "codes.yaml").read_text(encoding="utf-8"))
    return {name: {str(k): v for k, v in values.items()} for name, values in raw.items()}


# --- reading sources --------------------------------------------------------------------------
NESTED = object()  # a list or an object where a single value belongs


def source_text(value) -> str | None | object:
    """NFC-normalised, trimmed text of a source value; None when empty; NESTED for a list or object."""
    if value.__class__ is str:
        text = value
    elif value is None:
        return None
    elif isinstance(value, (dict, list)):
        return NESTED
    elif isinstance(value, float) and math.isnan(value):
        return None
    else:
        text = str(value)
    if not text.isascii() and not is_normalized("NFC", text):
        text = normalize("NFC", text)
    return text.strip() or None


def _is_path(source: str) -> bool:
    return "." in source or "[" in source


def _path_steps(source: str) -> tuple:
    """'LINHVUCTHUCHIEN[0].MALINHVUC' -> ('LINHVUCTHUCHIEN', 0, 'MALINHVUC')."""
    steps: list = []
    for part in source.split("."):
        name, _, rest = part.partition("[")
        if name:
            steps.append(name)
        while rest:
            number, _, rest = rest.partition("]")
            try:
                steps.append(int(number))
            except ValueError:
                raise MappingError(f"from: {source!r} is not a path (name.name or name[index])") from None
            rest = rest.lstrip("[")
    return tuple(steps)


def top_level_field(source: str) -> str:
    """The record field a source reads: the first step of a path."""
    return _path_steps(source)[0] if _is_path(source) else source


def _path_getter(source: str) -> Callable[[dict], Any]:
    """A path's value in a record ("A.B", "A[0].B"): through nested objects and lists."""
    steps = _path_steps(source)

    def follow(record: dict):
        if source in record:  # a field whose name merely looks like a path
            return record[source]
        value: Any = record
        for step in steps:
            if isinstance(step, int):
                value = value[step] if isinstance(value, list) and -len(value) <= step < len(value) else None
            else:
                value = value.get(step) if isinstance(value, dict) else None
            if value is None:
                return None
        return value

    return follow


def _source_reader(sources: tuple[str, ...]) -> Callable[[dict], tuple[str | None, str | None]]:
    """(first non-empty text, first shape error) over the rule's sources."""
    readers = [(source, _path_getter(source) if _is_path(source) else None,
                f"{source}: expected a single value, got a list or object") for source in sources]

    def read(record: dict):
        found = error = None
        for key, follow, shape in readers:
            text = source_text(record.get(key) if follow is None else follow(record))
            if text is NESTED:
                error = error or shape
            elif found is None:
                found = text
        return found, error

    return read


TextCheck = Callable[[str, dict, Context], tuple[Any, "str | None"]]


# Results kept per rule for the source strings seen (codes, flags, provinces: a few values each).
MEMO_LIMIT = 4096


def from_text(rule, check: TextCheck, missing: Any = None, pure: bool = True):
    """A converter that reads the rule's source text and, when there is some, applies ``check``.

    The common case, one plain field holding a string, is the fast path: it runs for every field
    of every record. A ``pure`` check depends on the text alone, so its results are remembered
    per source string (up to MEMO_LIMIT strings per rule).
    """
    read = _source_reader(rule.sources)
    absent = (missing, None)

    def convert(record: dict, row: dict, context: Context):
        text, shape = read(record)
        if text is None:
            return (missing, shape) if shape else absent
        value, error = check(text, row, context)
        return value, shape or error

    if len(rule.sources) != 1 or _is_path(rule.sources[0]):
        return convert
    key, memo, room = rule.sources[0], {}, MEMO_LIMIT if pure else 0

    def convert_field(record: dict, row: dict, context: Context):
        nonlocal room
        value = record.get(key)
        if value.__class__ is not str:
            return absent if value is None else convert(record, row, context)
        result = memo.get(value) if memo else None
        if result is None:
            text = value if value.isascii() or is_normalized("NFC", value) else normalize("NFC", value)
            text = text.strip()
            result = check(text, row, context) if text else absent
            if room:
                memo[value] = result
                room -= 1
        return result

    return convert_field


# --- numbers and times ------------------------------------------------------------------------
# What pandas.to_numeric reads: decimal notation with optional exponent, or inf/infinity
# (float() would take "1_000" and " 5" too); the value is float()'s, correctly rounded.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity)", re.IGNORECASE)


def parse_number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


# --- rule types -------------------------------------------------------------------------------
@rule_type("string", options=("max_length", "allowed"))
def string(rule, scope: Scope):
    limit = rule.options.get("max_length")
    allowed = frozenset(str(v) for v in rule.options["allowed"]) if "allowed" in rule.options else None
    too_long = f"{rule.label}: longer than {limit} characters"
    not_allowed = f"{rule.label}: not one of {', '.join(str(v) for v in rule.options.get('allowed', ()))}"

    def check(text: str, row: dict, context: Context):
        if limit and len(text) > limit:
            return text, too_long
        if allowed is not None and text not in allowed:
            return text, not_allowed
        return text, None

    return from_text(rule, check)


@rule_type("integer", options=("min", "max"))
def integer(rule, scope: Scope):
    low, high = rule.options.get("min", float("-inf")), rule.options.get("max", float("inf"))
    not_integer = f"{rule.label}: not an integer"
    outside = f"{rule.label}: outside {low}..{high}"

    def check(text: str, row: dict, context: Context):
        if text.isascii() and text.isdigit():
            number = int(text)
            if number >= EXACT_INTEGERS:
                return None, not_integer
        else:
            parsed = parse_number(text)
            if parsed is None or not abs(parsed) < EXACT_INTEGERS or parsed % 1:
                return None, not_integer
            number = int(parsed)
        if number < low or number > high:
            return number, outside
        return number, None

    return from_text(rule, check)


@rule_type("number")
def number(rule, scope: Scope):
    not_number = f"{rule.label}: not a number"

    def check(text: str, row: dict, context: Context):
        parsed = parse_number(text)
        if parsed is None or not math.isfinite(parsed):
            return None, not_number
        return parsed, None

    return from_text(rule, check)


@rule_type("datetime", options=("format", "timezone", "not_future"))
def datetime_(rule, scope: Scope):
    """A UTC instant; naive source times are wall times in ``timezone`` (default Asia/Ho_Chi_Minh)."""
    fmt = rule.options.get("format", PORTAL_FORMAT)
    return _moment(rule, fmt, instant_reader(fmt, rule.options.get("timezone", LOCAL_TZ)),
                   latest=lambda context: context.utc_now, value=None)


@rule_type("date", options=("format", "not_future"))
def date_(rule, scope: Scope):
    fmt = rule.options.get("format", "%Y-%m-%d")
    # A time of day counts: "today 10:00" is later than today's start, as the pandas engine had it.
    return _moment(rule, fmt, wall_reader(fmt, LOCAL), latest=lambda context: context.local_today,
                   value=datetime.date)


def _moment(rule, fmt: str, read: Callable, latest: Callable[[Context], datetime], value: Callable | None):
    """A text read as a moment in ``fmt``; with ``not_future``, one later than ``latest`` is an error.
    ``value`` turns the moment into the output (None: the moment itself)."""
    not_future = bool(rule.options.get("not_future"))
    bad, future = f"{rule.label}: not a date in the format {fmt}", f"{rule.label}: in the future"

    def check(text: str, row: dict, context: Context):
        moment = read(text)
        if moment is None:
            return None, bad
        output = moment if value is None else value(moment)
        if not_future and moment > latest(context):
            return output, future
        return output, None

    return from_text(rule, check, pure=not not_future)


def _lookup(rule, table: dict, unknown: str):
    def check(text: str, row: dict, context: Context):
        value = table.get(text)
        return (None, unknown) if value is None else (value, None)

    return from_text(rule, check, missing=rule.options.get("missing"))


@rule_type("code", options=("missing",), required=("codes",))
def code(rule, scope: Scope):
    lists = code_lists()
    if rule.options["codes"] not in lists:
        raise MappingError(f"unknown code list {rule.options['codes']!r} (codes.yaml has: {', '.join(lists)})")
    return _lookup(rule, lists[rule.options["codes"]], f"{rule.label}: unknown code")


@rule_type("flag", options=("missing",))
def flag(rule, scope: Scope):
    return _lookup(rule, FLAG_CODES, f"{rule.label}: unknown code")


UNKNOWN_UNIT_CHOICES = ("quarantine", "keep")
UNIT_CODE_LENGTH = 8  # the longest unit code kept as received


def _unknown_unit(rule) -> str:
    choice = rule.options.get("unknown", "quarantine")
    if choice not in UNKNOWN_UNIT_CHOICES:
        raise MappingError(f"unknown: {choice!r} is not one of {', '.join(UNKNOWN_UNIT_CHOICES)}")
    return choice


def _kept_as_received(rule, text: str):
    """A unit code the reference units do not know, kept so a metric counts it under its own code."""
    if len(text) > UNIT_CODE_LENGTH:
        return None, f"{rule.label}: longer than {UNIT_CODE_LENGTH} characters"
    return text, None


@rule_type("province", options=("unknown", "listing"))
def province(rule, scope: Scope):
    """Any province code a record may carry (GSO, pre-merger GSO, portal Hxx) -> the current GSO code.
    ``unknown: keep`` keeps a code the units do not know as received instead of rejecting it;
    ``listing: true`` takes the province of the listing the record came in when it names none."""
    crosswalk = load_admin_units().province_crosswalk()
    unknown = f"{rule.label}: unknown province code"
    if _unknown_unit(rule) == "keep":
        def check(text: str, row: dict, context: Context):
            value = crosswalk.get(text)
            return (value, None) if value is not None else _kept_as_received(rule, text)

        convert = from_text(rule, check)
    else:
        convert = _lookup(rule, crosswalk, unknown)
    if not rule.options.get("listing"):
        return convert

    def or_listed(record: dict, row: dict, context: Context):
        value, error = convert(record, row, context)
        if value is None and error is None and context.listing is not None:
            return crosswalk.get(context.listing), None
        return value, error

    return or_listed


@lru_cache(maxsize=1)
def _commune_tables() -> tuple[frozenset[str], dict[str, str]]:
    units = load_admin_units()
    return frozenset(units.communes), units.old_commune_resolution()


@rule_type("commune", options=("as_of", "ambiguous", "unknown"))
def commune(rule, scope: Scope):
    """A commune code as of the record's date: before 1 July 2025 codes are pre-merger codes and go
    through the crosswalk; after it they must be current, though stale pre-merger codes still map.
    ``unknown: keep`` keeps a code the units do not know as received instead of rejecting it."""
    current, old_to_new = _commune_tables()
    as_of = scope.earlier_of_type(rule, "as_of", ("datetime", "now")) if "as_of" in rule.options else None
    merger = LOCAL.to_utc(datetime.combine(MERGER_EFFECTIVE, datetime.min.time()))
    ambiguous = rule.options.get("ambiguous", "quarantine")
    if ambiguous not in ("quarantine", "null"):
        raise MappingError(f"ambiguous: {ambiguous!r} is not one of quarantine, null")
    unknown = f"{rule.label}: unknown commune code"
    keep_unknown = _unknown_unit(rule) == "keep"
    split = f"{rule.label}: pre-merger commune split across several new communes" \
        if rule.required or ambiguous == "quarantine" else None

    def check(text: str, row: dict, context: Context):
        if text in current:
            moment = row[as_of] if as_of else None
            if moment is None or moment >= merger:
                return text, None
        value = old_to_new.get(text)
        if value is None:
            return _kept_as_received(rule, text) if keep_unknown else (None, unknown)
        if value == AMBIGUOUS:
            return None, split
        return value, None

    return from_text(rule, check, pure=as_of is None)


@rule_type("commune_province", required=("of",), reads_source=False)
def commune_province(rule, scope: Scope):
    """The province of a commune field declared before."""
    of = scope.earlier_of_type(rule, "of", ("commune",))
    provinces = {c.code: c.province_code for c in load_admin_units().communes.values()}

    def convert(record: dict, row: dict, context: Context):
        return provinces.get(row[of]), None

    return convert


@rule_type("local_date", required=("of",), reads_source=False)
def local_date(rule, scope: Scope):
    """The Asia/Ho_Chi_Minh day of a datetime field declared before (day-based metrics)."""
    of = scope.earlier_of_type(rule, "of", ("datetime", "now"))

    def convert(record: dict, row: dict, context: Context):
        instant = row[of]
        return (None if instant is None else LOCAL.local_date(instant)), None

    return convert


@rule_type("json")
def json_(rule, scope: Scope):
    """The non-empty sources (plain fields) as one JSON object: an attribute bag."""
    sources = rule.sources

    def convert(record: dict, row: dict, context: Context):
        bag = {}
        for source in sources:
            text = source_text(record.get(source))
            if text is not None and text is not NESTED:
                bag[source] = text
        return json.dumps(bag, ensure_ascii=False, sort_keys=True), None

    return convert


@rule_type("nfc")
def nfc(rule, scope: Scope):
    """Whether the sources' text arrived in Unicode NFC: True, False when any did not, None when none has
    non-ASCII text. Values are normalised on the way in, so this is where the quality checks (sạch) see
    how the source encoded them."""
    sources = rule.sources

    def convert(record: dict, row: dict, context: Context):
        seen = None
        for source in sources:
            value = record.get(source)
            if value.__class__ is str and not value.isascii():
                if not is_normalized("NFC", value):
                    return False, None
                seen = True
        return seen, None

    return convert


@rule_type("parent", required=("field",), reads_source=False)
def parent(rule, scope: Scope):
    """A field of the parent row (child mappings only)."""
    name = scope.parent_field(rule, "field")

    def convert(record: dict, row: dict, context: Context):
        return context.parent[name], None

    return convert


@rule_type("constant", required=("value",), reads_source=False)
def constant(rule, scope: Scope):
    result = (rule.options["value"], None)

    def convert(record: dict, row: dict, context: Context):
        return result

    return convert


@rule_type("now", reads_source=False)
def now(rule, scope: Scope):
    """The time of reading, for sources that carry no version of their own."""

    def convert(record: dict, row: dict, context: Context):
        return context.utc_now, None

    return convert


def batch_context(listing: str | None = None) -> Context:
    """The clock of one batch: every record of it is judged against the same "now"."""
    utc_now = datetime.now(UTC)
    return Context(utc_now, datetime.combine(LOCAL.local_date(utc_now), datetime.min.time()), listing=listing)

