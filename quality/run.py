"""Check a dataset in the warehouse, day partition by day partition, re-checking only what changed.

The caller (the hub, which owns the warehouse's bookkeeping) passes in a connection, the table and
what it remembers of each partition's last check; this module reads only aggregates and returns
the new partition records and the dataset's results, and stores nothing.

A run: one grouped pass over the whole table gives every day's fingerprint (rows, newest
``loaded_at``) and the aggregates of the dataset-wide expectations (freshness, uniqueness); the
days whose fingerprint or suite changed are counted in a second grouped pass, per day and unit
(quality/unit_counts.py: the per-day results and the per-unit scores are sums of it), or, for
types SQL does not translate, validated by GE (quality/gx_sql.py); the dataset's result per
expectation is the sum of every day's counts, checked now or unchanged since.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Mapping, Sequence

import great_expectations as gx
from great_expectations.expectations.expectation import (
    ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation,
)
from sqlalchemy import Connection, FromClause, Select, Table, inspect
from sqlalchemy.sql.util import find_tables

from quality import gx_sql
from quality.contract import NO_ROWS, ExpectationOutcome, PartitionResult, mostly, outcome
from quality.sql_checks import (
    DatasetCheck, Fingerprint, RowCheck, answer_dataset_checks, dataset_check, row_check, scan_days, single_key,
    unexpected_rows_condition,
)
from quality.quarantine import quarantine_scores
from quality.scores import Units, UnitScore
from quality.unit_counts import count_units
from quality.suites import DatasetSuite

log = logging.getLogger(__name__)
EXAMPLES = 3  # example keys kept per expectation in a dataset result
ACROSS_ROWS = (gx.expectations.ExpectColumnValuesToBeUnique, gx.expectations.ExpectCompoundColumnsToBeUnique)


@dataclass(frozen=True)
class PartitionRecord:
    """A day partition's last check: the data it saw, the suite it ran, its partition-scoped results."""
    fingerprint: Fingerprint
    suite_version: str
    results: tuple[PartitionResult, ...]

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)


@dataclass(frozen=True)
class QualityOutcome:
    run_id: str
    dataset: str
    suite: str
    suite_version: str
    checked_at: datetime
    rows_checked: int  # rows the results describe: every partition, re-checked now or unchanged since its check
    results: list[ExpectationOutcome]  # per expectation, over the whole dataset; empty when there is no data
    rechecked: dict[date, PartitionRecord] = field(default_factory=dict)  # partitions validated by this run
    unchanged: int = 0  # partitions whose last results still hold
    removed: tuple[date, ...] = ()  # partitions that no longer hold rows
    # per unit and dimension, for the rechecked partitions: the query the store inserts from, on the
    # connection of the check (it reads that connection's temporary table: quality/unit_counts.py)
    scores: Select | None = None
    quarantine_scores: tuple[UnitScore, ...] = ()  # the records the mappings rejected, every day
    not_checked: str | None = None  # why nothing was checked (no rows, no table, columns missing)

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if r.critical and not r.success]

    @property
    def rows_rechecked(self) -> int:
        return sum(record.fingerprint.row_count for record in self.rechecked.values())

    @property
    def partitions(self) -> int:
        return len(self.rechecked) + self.unchanged

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    def by_dimension(self) -> dict[str, tuple[int, int]]:
        summary: dict[str, tuple[int, int]] = {}
        for r in self.results:
            passed, total = summary.get(r.dimension, (0, 0))
            summary[r.dimension] = (passed + int(r.success), total + 1)
        return summary


def suite_version(expectations: Sequence[gx.expectations.Expectation]) -> str:
    """Changes when the suite's checks change; values that follow the check time (``now``) are left out."""
    described = [(e.expectation_type, {k: v for k, v in sorted(e.configuration.kwargs.items())
                                       if not isinstance(v, (date, datetime))}) for e in expectations]
    return hashlib.sha256(json.dumps(described, default=str, sort_keys=True).encode()).hexdigest()[:16]


def _by_row(expectation: gx.expectations.Expectation) -> bool:
    """Answered row by row, so per day partition and additive over days."""
    if unexpected_rows_condition(expectation) is not None:
        return True
    return (isinstance(expectation, (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation))
            and not isinstance(expectation, ACROSS_ROWS))


@dataclass
class _Plan:
    row_sql: list[RowCheck] = field(default_factory=list)
    dataset_sql: list[DatasetCheck] = field(default_factory=list)
    row_gx: list[tuple[int, gx.expectations.Expectation]] = field(default_factory=list)
    dataset_gx: list[tuple[int, gx.expectations.Expectation]] = field(default_factory=list)


def _plan(numbered: Sequence[tuple[int, gx.expectations.Expectation]], table: Table) -> _Plan:
    plan = _Plan()
    for number, expectation in numbered:
        if _by_row(expectation):
            check = row_check(number, expectation, table)
            if check:
                plan.row_sql.append(check)
            else:
                plan.row_gx.append((number, expectation))
        else:
            check = dataset_check(number, expectation, table)
            if check:
                plan.dataset_sql.append(check)
            else:
                plan.dataset_gx.append((number, expectation))
    return plan


def row_checks(suite: DatasetSuite, table: FromClause, now: datetime) -> list[RowCheck]:
    """The suite's row-by-row expectations that SQL answers, over ``table``."""
    return _plan(list(enumerate(suite.expectations(now))), table).row_sql


def _stale(record: PartitionRecord | None, fingerprint: Fingerprint, version: str) -> bool:
    return record is None or record.fingerprint != fingerprint or record.suite_version != version


def check_dataset(conn: Connection, table: FromClause, suite: DatasetSuite,
                  previous: Mapping[date, PartitionRecord] | None = None,
                  now: datetime | None = None, quarantine: Table | None = None) -> QualityOutcome:
    """Check ``table`` against ``suite``; ``previous``: the partitions' last records (empty: check everything).

    ``quarantine``: the warehouse's quarantine table, whose records of the suite's streams are scored too.
    A table that is missing, or lacks a column the suite reads, is not checked and the outcome says why.
    The outcome's ``scores`` query is valid on ``conn`` until its next check or ``unit_counts.discard``.
    """
    previous = previous or {}
    now = now or datetime.now(timezone.utc)
    numbered = list(enumerate(suite.expectations(now)))
    version = suite_version([e for _, e in numbered])
    unreadable = _unreadable(conn, table, suite, numbered)
    if unreadable:
        log.warning("quality check skipped", extra={"dataset": suite.dataset, "reason": unreadable})
        return QualityOutcome(run_id=str(uuid.uuid4()), dataset=suite.dataset, suite=suite.name,
                              suite_version=version, checked_at=now, rows_checked=0, results=[],
                              removed=tuple(sorted(previous)), not_checked=unreadable)
    plan = _plan(numbered, table)
    units = Units.of(table, suite.source_column, suite.source, suite.province_column, suite.commune_column)
    scans = scan_days(conn, table, suite.partition_column, suite.change_column, plan.dataset_sql)
    stale = [day for day, scan in scans.items() if _stale(previous.get(day), scan.fingerprint, version)]
    counted, scores = {}, None
    if stale:
        key = table.c[suite.key_column] if suite.key_column else single_key(table)
        unit_counts = count_units(conn, table, suite.partition_column, suite.change_column, units,
                                  None if len(stale) == len(scans) else stale, plan.row_sql, key)
        counted, scores = unit_counts.by_day(conn), unit_counts.score_select(suite.dataset, now)
    dataset_results = answer_dataset_checks(conn, plan.dataset_sql, list(scans.values())) if scans else []
    rejected = quarantine_scores(conn, quarantine, suite.quarantine_streams) if quarantine is not None else []
    by_gx = gx_sql.validate_partitions(conn.engine, table, suite.partition_column, counted, plan.row_gx)
    rechecked = {day: PartitionRecord(day_counts.fingerprint, version,
                                      tuple(sorted((*day_counts.results, *by_gx.get(day, ())),
                                                   key=lambda r: r.expectation_no)))
                 for day, day_counts in counted.items()}
    records = {day: rechecked.get(day) or previous[day] for day in sorted({*scans, *rechecked})
               if day in rechecked or day in previous}
    if scans:
        dataset_results += gx_sql.validate_table(conn.engine, table, plan.dataset_gx)
    row_expectations = [(c.number, c.expectation) for c in plan.row_sql] + plan.row_gx
    results = sorted(_dataset_totals(row_expectations, records) + dataset_results, key=lambda r: r.expectation_no)
    result = QualityOutcome(
        run_id=str(uuid.uuid4()), dataset=suite.dataset, suite=suite.name, suite_version=version, checked_at=now,
        rows_checked=sum(r.fingerprint.row_count for r in records.values()), results=results if records else [],
        rechecked=rechecked, unchanged=len(records) - len(rechecked),
        removed=tuple(sorted(day for day in previous if day not in records)), scores=scores,
        quarantine_scores=tuple(rejected), not_checked=None if records else "no rows")
    log.info("quality check", extra={"dataset": suite.dataset, "partitions": result.partitions,
                                     "rechecked": len(rechecked), "rows_checked": result.rows_checked,
                                     "rows_rechecked": result.rows_rechecked, "success": result.success})
    return result


def _unreadable(conn: Connection, table: FromClause, suite: DatasetSuite,
                numbered: Sequence[tuple[int, gx.expectations.Expectation]]) -> str | None:
    """Why the data cannot be checked (a table missing, a column the suite reads missing), else None."""
    names = sorted({t.name for t in _base_tables(table)})
    existing = set(inspect(conn).get_table_names())
    missing = [name for name in names if name not in existing]
    if missing:
        return f"table missing: {', '.join(missing)}"
    needed = {suite.partition_column, suite.change_column, suite.source_column, suite.province_column,
              suite.commune_column, suite.key_column}
    for _, expectation in numbered:
        kwargs = expectation.configuration.kwargs
        needed |= {kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B"),
                   *(kwargs.get("column_list") or ())}
    absent = sorted(name for name in needed - {None} if name not in table.c)
    if absent:
        return f"columns missing: {', '.join(absent)}"
    stored = {t.name: {c["name"] for c in inspect(conn).get_columns(t.name)} for t in _base_tables(table)}
    drifted = sorted(f"{t.name}.{c.name}" for t in _base_tables(table) for c in t.c if c.name not in stored[t.name])
    if drifted:
        return f"columns missing in the warehouse: {', '.join(drifted)}"
    return None


def _base_tables(selection: FromClause) -> list[Table]:
    """The warehouse tables a selection reads (itself, for a table)."""
    if isinstance(selection, Table):
        return [selection]
    return list({t.name: t for t in find_tables(getattr(selection, "element", selection), include_joins=True)
                 if isinstance(t, Table)}.values())


def _dataset_totals(expectations: Sequence[tuple[int, gx.expectations.Expectation]],
                    records: Mapping[date, PartitionRecord]) -> list[ExpectationOutcome]:
    """A row-by-row expectation over the dataset: the sum of its days' counts (GE's contract is additive)."""
    totals = []
    for number, expectation in expectations:
        day_results = [r for record in records.values() for r in record.results if r.expectation_no == number]
        counts = sum((r.counts for r in day_results if r.counts), NO_ROWS)
        examples = tuple(r.example for r in day_results if r.example is not None)[:EXAMPLES]
        totals.append(outcome(number, expectation, counts.success(mostly(expectation)), counts,
                              examples=examples))
    return totals
