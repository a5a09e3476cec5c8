"""Expectations answered by grouped SQL in the warehouse, to GE's result contract.

Great Expectations' SQL engine answers each expectation of each batch with its own queries
(measured at 4.3 M dossiers on PostgreSQL: 5 to 70 s per day partition, docs/architecture.md).
The expectation types of the suites are translated here into SQL conditions instead, and every
condition of a dataset is counted in one pass grouped by day and unit (quality/unit_counts.py):
``count(*) FILTER (WHERE …)`` per expectation, so a national check is two scans of the table. Types not translated here run in GE
itself (quality/gx_sql.py). Only aggregates and one example key per expectation and day leave
the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Sequence

import great_expectations as gx
import re

from sqlalchemy import Connection, ColumnElement, Table, and_, func, inspect, not_, select, text

from quality.fingerprint import Fingerprint, as_utc
from quality.contract import Counts, ExpectationOutcome, PartitionResult, between, mostly, outcome

E = gx.expectations


@dataclass(frozen=True)
class RowCheck:
    """A map expectation as SQL: which rows it judges (None: every row) and which of those are unexpected."""
    number: int
    expectation: gx.expectations.Expectation
    judged: ColumnElement[bool] | None
    unexpected: ColumnElement[bool]

    @property
    def failing(self) -> ColumnElement[bool]:
        """The rows it judges and finds unexpected."""
        return and_(self.judged, self.unexpected) if self.judged is not None else self.unexpected


@dataclass(frozen=True)
class DatasetCheck:
    """An expectation over the whole dataset, answered from aggregates the day pass computes anyway."""
    number: int
    expectation: gx.expectations.Expectation
    aggregates: tuple[ColumnElement, ...]  # computed per day in the dataset pass
    answer: Callable[[Connection, Sequence[tuple]], ExpectationOutcome]  # from the per-day values


def _plain(*values: Any) -> bool:
    """Literal bounds only: GE's $PARAMETER placeholders (dicts) are left to GE itself."""
    return not any(isinstance(v, dict) for v in values)


# GE's own SQL expectation, when it names rows of the batch by a condition: counted per row like a map
# expectation (every row judged), so it adds up over days and scores per unit.
UNEXPECTED_ROWS_WHERE = re.compile(r"^\s*SELECT \* FROM \{batch\} WHERE (?P<condition>.+?)\s*;?\s*$",
                                   re.IGNORECASE | re.DOTALL)


def unexpected_rows_condition(expectation: gx.expectations.Expectation) -> str | None:
    """The WHERE condition of an ``UnexpectedRowsExpectation`` written as ``SELECT * FROM {batch} WHERE …``."""
    if not isinstance(expectation, E.UnexpectedRowsExpectation):
        return None
    match = UNEXPECTED_ROWS_WHERE.match(expectation.unexpected_rows_query or "")
    return match["condition"] if match else None


def row_check(number: int, expectation: gx.expectations.Expectation, table: Table) -> RowCheck | None:
    """The SQL form of a map expectation, or None when this type is left to GE."""
    if getattr(expectation, "row_condition", None):
        return None
    kind = type(expectation)
    condition = unexpected_rows_condition(expectation)
    if condition is not None:
        # the condition names the table's columns unqualified: valid over a table or a named selection
        return RowCheck(number, expectation, None, text(f"({condition})"))
    if kind is E.ExpectColumnValuesToNotBeNull:
        return RowCheck(number, expectation, None, table.c[expectation.column].is_(None))
    if kind is E.ExpectColumnValuesToBeInSet and _plain(expectation.value_set):
        column = table.c[expectation.column]
        return RowCheck(number, expectation, column.is_not(None), column.not_in(list(expectation.value_set)))
    if kind is E.ExpectColumnValuesToNotBeInSet and _plain(expectation.value_set):
        column = table.c[expectation.column]
        return RowCheck(number, expectation, column.is_not(None), column.in_(list(expectation.value_set)))
    if kind is E.ExpectColumnValuesToMatchRegex and _plain(expectation.regex):
        column = table.c[expectation.column]
        return RowCheck(number, expectation, column.is_not(None), not_(column.regexp_match(expectation.regex)))
    if kind is E.ExpectColumnValuesToBeBetween and _plain(expectation.min_value, expectation.max_value):
        column = table.c[expectation.column]
        bounds = []
        if expectation.min_value is not None:
            bounds.append(column > expectation.min_value if expectation.strict_min else column >= expectation.min_value)
        if expectation.max_value is not None:
            bounds.append(column < expectation.max_value if expectation.strict_max else column <= expectation.max_value)
        if not bounds:
            return None
        return RowCheck(number, expectation, column.is_not(None), not_(and_(*bounds)))
    if kind is E.ExpectColumnPairValuesAToBeGreaterThanB:
        if expectation.ignore_row_if != "either_value_is_missing":  # GE's NULL handling otherwise: left to GE
            return None
        a, b = table.c[expectation.column_A], table.c[expectation.column_B]
        return RowCheck(number, expectation, and_(a.is_not(None), b.is_not(None)),
                        not_(a >= b if expectation.or_equal else a > b))
    return None


def dataset_check(number: int, expectation: gx.expectations.Expectation, table: Table) -> DatasetCheck | None:
    """The SQL form of a whole-dataset expectation, or None when this type is left to GE."""
    if getattr(expectation, "row_condition", None):
        return None
    kind = type(expectation)
    if kind is E.ExpectColumnMaxToBeBetween and _plain(expectation.min_value, expectation.max_value):
        column = table.c[expectation.column]

        def newest(conn: Connection, per_day: Sequence[tuple]) -> ExpectationOutcome:
            values = [as_utc(v) for (v,) in per_day if v is not None]
            observed = max(values) if values else None
            return outcome(number, expectation, between(observed, expectation), observed_value=observed)

        return DatasetCheck(number, expectation, (func.max(column),), newest)
    if kind is E.ExpectColumnValuesToBeUnique:
        column = table.c[expectation.column]

        def unique(conn: Connection, per_day: Sequence[tuple]) -> ExpectationOutcome:
            rows, judged = sum(r for r, _ in per_day), sum(n for _, n in per_day)
            if _is_primary_key(conn, table, column.name):  # the database already refuses duplicates
                return outcome(number, expectation, True, Counts(rows, judged, 0),
                               observed_value="primary key")
            duplicated, example = _duplicates(conn, column)
            counts = Counts(rows, judged, duplicated)
            return outcome(number, expectation, counts.success(mostly(expectation)), counts,
                           examples=(str(example),) if example is not None else ())

        return DatasetCheck(number, expectation, (func.count(), func.count(column)), unique)
    return None


def _is_primary_key(conn: Connection, table: Table, column: str) -> bool:
    return inspect(conn).get_pk_constraint(table.name, schema=table.schema)["constrained_columns"] == [column]


def _duplicates(conn: Connection, column: ColumnElement) -> tuple[int, Any]:
    """Rows whose value occurs more than once (each copy counts, as in GE), and one such value."""
    groups = (select(column.label("value"), func.count().label("copies")).where(column.is_not(None))
              .group_by(column).having(func.count() > 1).subquery())
    copies, example = conn.execute(select(func.coalesce(func.sum(groups.c.copies), 0),
                                          func.min(groups.c.value))).one()
    return int(copies), example


@dataclass(frozen=True)
class DayScan:
    fingerprint: Fingerprint
    values: tuple  # the dataset checks' aggregates, in order


def scan_days(conn: Connection, table: Table, partition_column: str, change_column: str,
              checks: Sequence[DatasetCheck]) -> dict[date, DayScan]:
    """One grouped pass over the whole table: every day's fingerprint and the dataset checks' aggregates."""
    day = table.c[partition_column]
    aggregates = [a for check in checks for a in check.aggregates]
    query = select(day, func.count(), func.max(table.c[change_column]), *aggregates).group_by(day).order_by(day)
    return {row[0]: DayScan(Fingerprint.of(row[1], row[2]), tuple(row[3:])) for row in conn.execute(query)}


def answer_dataset_checks(conn: Connection, checks: Sequence[DatasetCheck],
                          scans: Sequence[DayScan]) -> list[ExpectationOutcome]:
    answers, offset = [], 0
    for check in checks:
        width = len(check.aggregates)
        answers.append(check.answer(conn, [scan.values[offset:offset + width] for scan in scans]))
        offset += width
    return answers


@dataclass(frozen=True)
class DayCounts:
    fingerprint: Fingerprint
    results: tuple[PartitionResult, ...]


def single_key(table: Table) -> ColumnElement | None:
    """The column naming a row in examples: a one-column primary key (e.g. the dossier number)."""
    keys = list(getattr(table.primary_key, "columns", table.primary_key))  # a table's constraint, a selection's set
    return keys[0] if len(keys) == 1 else None
