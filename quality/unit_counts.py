"""One grouped pass per check: every row check counted per day and unit, kept in a temporary table.

The pass groups the re-checked days' rows by day, source, province and commune and counts, per row
check, the rows it judges and the rows it finds unexpected with the smallest such key (an example),
and per dimension the rows failing any of that dimension's checks. Both products of a check are
small sums of it: the per-day results (GE's contract, summed over units) and the per-unit scores
(``metric_data_quality``). It is written with ``CREATE TEMPORARY TABLE … AS SELECT`` because
PostgreSQL plans that with parallel workers and an ``INSERT … SELECT`` without them (measured at
1 M dossiers: the grouped score insert took 19 s serially, four times the per-day pass).

The table lives on the connection that made it (a connection of the check): the outcome's score
query reads it, so the store must run on that connection, and ``discard`` drops it afterwards. One
table per connection: each pass replaces the last.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from sqlalchemy import (
    Column, ColumnElement, Connection, DateTime, Float, FromClause, Integer, MetaData, Select, String, Table, case, cast, func, literal, or_, select, text, union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from quality.contract import Counts, PartitionResult, dimension
from quality.fingerprint import Fingerprint
from quality.sql_checks import DayCounts, RowCheck
from quality.scores import Units

UNIT_COUNTS = "quality_unit_counts"


class _CreateTemporaryTableAs(Executable, ClauseElement):
    """``CREATE TEMPORARY TABLE name AS <select>`` (SQLAlchemy's compiler-extension recipe)."""
    inherit_cache = False

    def __init__(self, name: str, query: Select):
        self.name, self.query = name, query


@compiles(_CreateTemporaryTableAs)
def _create_temporary_table_as(element: _CreateTemporaryTableAs, compiler, **kw) -> str:
    return f"CREATE TEMPORARY TABLE {compiler.preparer.quote(element.name)} AS {compiler.process(element.query, **kw)}"


def discard(conn: Connection) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {UNIT_COUNTS}"))


@dataclass(frozen=True)
class UnitCounts:
    """The pass's table and how to read it: check i's columns ``judged_i``, ``unexpected_i``,
    ``example_i``; dimension d's ``failing_d`` over the checks numbered in ``dimensions[d]``."""
    table: Table
    checks: tuple[RowCheck, ...]
    dimensions: tuple[tuple[str, tuple[int, ...]], ...]

    def by_day(self, conn: Connection) -> dict[date, DayCounts]:
        """The per-day results: each check's counts and smallest example summed over the units."""
        t = self.table.c
        columns = [t.day, func.sum(t.n), func.max(t.changed_at)]
        for i, _ in enumerate(self.checks):
            columns += [func.sum(t[f"judged_{i}"]), func.sum(t[f"unexpected_{i}"]), func.min(t[f"example_{i}"])]
        result = {}
        for row in conn.execute(select(*columns).group_by(t.day).order_by(t.day)):
            total, results = int(row[1]), []
            for i, check in enumerate(self.checks):
                judged, unexpected, example = row[3 + 3 * i: 6 + 3 * i]
                results.append(PartitionResult.of(check.number, check.expectation,
                                                  Counts(total, int(judged), int(unexpected)),
                                                  None if example is None else str(example)))
            result[row[0]] = DayCounts(Fingerprint.of(total, row[2]), tuple(results))
        return result

    def score_select(self, dataset: str, computed_at: datetime) -> Select | None:
        """Per day, source, province, commune and dimension: rows, rows failing any of the dimension's
        checks, and the first failing check (in suite order) with one failing row's key: the rows of
        ``metric_data_quality`` (origin "check"), for the store to insert on this connection. Keys are
        as stored: ``scores.mask_examples`` masks them after."""
        t = self.table.c
        per_dimension = []
        for d, (name, numbers) in enumerate(self.dimensions):
            failing = t[f"failing_{d}"]
            examples = [cast(t[f"example_{i}"], String) for i in numbers]
            example_check = case(*((example.is_not(None), literal(_described(self.checks[i]), String))
                                   for i, example in zip(numbers, examples)), else_=None)
            example_key = func.substr(examples[0] if len(examples) == 1 else func.coalesce(*examples), 1, 256)
            per_dimension.append(select(
                literal(dataset, String).label("dataset"), t.source, literal(name, String).label("dimension"),
                t.province_code, t.commune_code, t.day, literal("check", String).label("origin"),
                t.n.label("rows_checked"), failing.label("rows_failing"),
                case((t.n == 0, None), else_=100.0 * cast(t.n - failing, Float) / cast(t.n, Float)).label("score_pct"),
                example_check.label("example_check"), example_key.label("example_key"),
                literal(computed_at, DateTime(timezone=True)).label("computed_at")))
        if not per_dimension:
            return None
        return union_all(*per_dimension) if len(per_dimension) > 1 else per_dimension[0]


def _described(check: RowCheck) -> str:
    return (check.expectation.meta.get("description_en") or check.expectation.expectation_type)[:256]


def count_units(conn: Connection, data: FromClause, partition_column: str, change_column: str, units: Units,
                days: Sequence[date] | None, checks: Sequence[RowCheck], key: ColumnElement | None) -> UnitCounts:
    """Run the pass over ``days`` (None: every day) of ``data`` into this connection's temporary table."""
    by_dimension: dict[str, list[int]] = {}
    for i, check in enumerate(checks):
        by_dimension.setdefault(dimension(check.expectation), []).append(i)
    day = data.c[partition_column]
    columns = [day.label("day"), units.source.label("source"), units.province.label("province_code"),
               units.commune.label("commune_code"), func.count().label("n"),
               func.max(data.c[change_column]).label("changed_at")]
    for i, check in enumerate(checks):
        bad = check.failing
        judged = func.count().filter(check.judged) if check.judged is not None else func.count()
        example = func.min(case((bad, key))) if key is not None else literal(None, String)
        columns += [judged.label(f"judged_{i}"), func.count().filter(bad).label(f"unexpected_{i}"),
                    example.label(f"example_{i}")]
    for d, numbers in enumerate(by_dimension.values()):
        columns.append(func.count().filter(or_(*(checks[i].failing for i in numbers))).label(f"failing_{d}"))
    query = select(*columns).group_by(day, units.source, units.province, units.commune)
    if days is not None:
        query = query.where(day.in_(list(days)))
    discard(conn)
    conn.execute(_CreateTemporaryTableAs(UNIT_COUNTS, query))
    # how to read it back: the same columns, typed as the query's (SQLite's temporary table keeps no types)
    counted = Table(UNIT_COUNTS, MetaData(), *(Column(c.name, _read_type(c)) for c in query.selected_columns),
                    prefixes=["TEMPORARY"])
    return UnitCounts(counted, tuple(checks), tuple((name, tuple(numbers)) for name, numbers in by_dimension.items()))


def _read_type(column: ColumnElement):
    # counts come back as integers; everything else as the column it was computed from
    counted = column.name == "n" or column.name.startswith(("judged_", "unexpected_", "failing_"))
    return Integer() if counted else column.type
