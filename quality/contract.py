"""The result contract of Great Expectations 1.x expectations, computed from counts.

GE reports a map expectation (one yes/no question per row) as ``element_count`` (rows in the
batch), ``unexpected_count`` and ``unexpected_percent`` (of the rows it judged: the non-null
values, both values of a pair, or every row for a not-null check) and ``success`` = judged rows
holding expected values / judged rows >= ``mostly``, vacuously true when nothing was judged
(great_expectations/expectations/expectation.py: ``_format_map_output``, ``_mostly_success``).
Counts add up over partitions, so a dataset's result is the sum of its days' counts: that is what
lets a day be checked once and reused until its data changes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import great_expectations as gx

@dataclass(frozen=True)
class Counts:
    element_count: int
    considered_count: int  # rows the expectation judged (GE: nonnull_count / filtered_row_count)
    unexpected_count: int

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.element_count + other.element_count, self.considered_count + other.considered_count,
                      self.unexpected_count + other.unexpected_count)

    def success(self, mostly: float) -> bool:
        if self.element_count == 0 or self.considered_count == 0:
            return True
        return (self.considered_count - self.unexpected_count) / self.considered_count >= mostly

    @property
    def unexpected_percent(self) -> float | None:
        if self.considered_count == 0:
            return None
        return self.unexpected_count / self.considered_count * 100


NO_ROWS = Counts(0, 0, 0)


@dataclass(frozen=True)
class PartitionResult:
    """A row-by-row expectation's answer for one day partition."""
    expectation_no: int
    success: bool
    counts: Counts
    example: str | None = None  # the key of one row holding an unexpected value

    @classmethod
    def of(cls, number: int, expectation: gx.expectations.Expectation, counts: Counts,
           example: str | None = None) -> "PartitionResult":
        return cls(number, counts.success(mostly(expectation)), counts, example)


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's answer for one partition or for the whole dataset, in GE's result fields."""
    expectation_no: int  # position in the suite
    expectation_type: str
    column_name: str | None
    dimension: str  # dung | du | sach | song
    description_vi: str
    description_en: str
    success: bool
    counts: Counts | None = None  # map expectations
    observed_value: Any = None  # aggregate expectations (e.g. the newest loaded_at)
    examples: tuple[str, ...] = field(default=())  # a few keys of rows holding unexpected values
    critical: bool = False  # a failure stops publishing (suite meta ``critical``)

    @property
    def element_count(self) -> int | None:
        return self.counts.element_count if self.counts else None

    @property
    def unexpected_count(self) -> int | None:
        return self.counts.unexpected_count if self.counts else None

    @property
    def unexpected_percent(self) -> float | None:
        return self.counts.unexpected_percent if self.counts else None

    def observed_json(self) -> str | None:
        return None if self.observed_value is None else json.dumps(self.observed_value, default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def column_label(expectation: gx.expectations.Expectation) -> str | None:
    kwargs = expectation.configuration.kwargs
    return kwargs.get("column") or "/".join(filter(None, [kwargs.get("column_A"), kwargs.get("column_B")])) or None


def dimension(expectation: gx.expectations.Expectation) -> str:
    return (expectation.meta or {}).get("dimension", "?")


def mostly(expectation: gx.expectations.Expectation) -> float:
    value = getattr(expectation, "mostly", None)
    return 1.0 if value is None else float(value)


def outcome(number: int, expectation: gx.expectations.Expectation, success: bool,
            counts: Counts | None = None, observed_value: Any = None,
            examples: tuple[str, ...] = ()) -> ExpectationOutcome:
    meta = expectation.meta or {}
    return ExpectationOutcome(
        expectation_no=number, expectation_type=expectation.expectation_type, column_name=column_label(expectation),
        dimension=meta.get("dimension", "?"), description_vi=meta.get("description_vi", ""),
        description_en=meta.get("description_en", ""), success=success, counts=counts,
        observed_value=observed_value, examples=examples, critical=bool(meta.get("critical", False)))


def between(value: Any, expectation: gx.expectations.Expectation) -> bool:
    """GE's success rule of a ``…_to_be_between`` aggregate (min/max bounds, optionally strict)."""
    if value is None:
        return False
    low, high = expectation.min_value, expectation.max_value
    if low is not None and (value <= low if expectation.strict_min else value < low):
        return False
    if high is not None and (value >= high if expectation.strict_max else value > high):
        return False
    return True
