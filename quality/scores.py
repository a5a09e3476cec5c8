"""Scores per source, province, commune, day and dimension, counted in the warehouse.

A row fails a dimension when any of that dimension's row-by-row checks (the SQL forms of
quality/sql_checks.py) finds it unexpected; score = 100 × (rows checked − rows failing) ÷ rows
checked. One grouped pass over the day partitions a check validates, so unchanged days keep their
scores. Dataset-wide expectations (freshness of the newest load, uniqueness) blame no row and stay
in the run's results; a dimension with no row-by-row check in a suite gets no score rather than a
vacuous 100.

Records the mappings rejected count too (quarantine.py): each is a checked row that failed the
dimension its reason belongs to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from sqlalchemy import ColumnElement, Connection, FromClause, String, and_, case, cast, func, literal, or_, select

from quality.contract import dimension
from quality.sql_checks import RowCheck

DIMENSIONS = ("dung", "du", "sach", "song")
NO_UNIT = ""  # the dataset has no province/commune, or a rejected record's unit is unknown
PERSONAL_DIGITS = re.compile(r"\d{9,}")  # personal IDs (12), ID cards (9), phone numbers (10-11)


def mask(value: str | None) -> str | None:
    """A key as it may be shown: runs of 9 or more digits keep their first two and last two digits."""
    if value is None:
        return None
    return PERSONAL_DIGITS.sub(lambda m: m[0][:2] + "*" * (len(m[0]) - 4) + m[0][-2:], str(value))


@dataclass(frozen=True)
class UnitScore:
    """One dimension's count for one source, province, commune and day."""
    day: date
    source: str
    province_code: str
    commune_code: str
    dimension: str
    origin: str  # check: rows the suite checked | quarantine: records the mappings rejected
    rows_checked: int
    rows_failing: int
    example_check: str | None = None  # the failing expectation (English description) or the rejection reason
    example_key: str | None = None  # one failing row's key, personal digits masked

    @property
    def score_pct(self) -> float | None:
        if self.rows_checked == 0:
            return None
        return 100.0 * (self.rows_checked - self.rows_failing) / self.rows_checked


@dataclass(frozen=True)
class Units:
    """The columns (or constants) naming a row's source, province and commune."""
    source: ColumnElement
    province: ColumnElement
    commune: ColumnElement

    @classmethod
    def of(cls, data: FromClause, source_column: str | None, source: str, province_column: str | None,
           commune_column: str | None) -> "Units":
        def named(column: str | None, constant: str) -> ColumnElement:
            if column is None:
                return literal(constant, String)
            return func.coalesce(cast(data.c[column], String), NO_UNIT)

        return cls(named(source_column, source), named(province_column, NO_UNIT), named(commune_column, NO_UNIT))


def score_days(conn: Connection, data: FromClause, partition_column: str, units: Units, key: ColumnElement | None,
               checks: Sequence[RowCheck], days: Sequence[date] | None) -> list[UnitScore]:
    """Per day, source, province and commune: rows, and per dimension the rows failing any of its checks."""
    by_dimension: dict[str, list[RowCheck]] = {}
    for check in checks:
        by_dimension.setdefault(dimension(check.expectation), []).append(check)
    if not by_dimension:
        return []
    day = data.c[partition_column]
    columns = [day, units.source, units.province, units.commune, func.count()]
    layout = []  # (dimension, its checks) in column order
    for name, dimension_checks in by_dimension.items():
        bad = [_unexpected(check) for check in dimension_checks]
        columns.append(func.count().filter(or_(*bad)))
        if key is not None:
            columns += [func.min(case((condition, key))) for condition in bad]
        layout.append((name, dimension_checks))
    query = select(*columns).group_by(day, units.source, units.province, units.commune)
    if days is not None:
        query = query.where(day.in_(list(days)))
    scores = []
    for row in conn.execute(query):
        position = 5
        for name, dimension_checks in layout:
            failing = int(row[position])
            examples = row[position + 1: position + 1 + len(dimension_checks)] if key is not None else ()
            position += 1 + (len(dimension_checks) if key is not None else 0)
            example_check, example_key = next(
                ((check.expectation.meta.get("description_en"), str(value))
                 for check, value in zip(dimension_checks, examples) if value is not None), (None, None))
            scores.append(UnitScore(row[0], row[1], row[2], row[3], name, "check", int(row[4]), failing,
                                    example_check, mask(example_key)))
    return scores


def _unexpected(check: RowCheck) -> ColumnElement[bool]:
    return and_(check.judged, check.unexpected) if check.judged is not None else check.unexpected


@dataclass(frozen=True)
class GroupFailures:
    group: str
    rows_checked: int
    rows_failing: int  # rows failing any row-by-row check


def failing_by(conn: Connection, data: FromClause, group_column: str, checks: Sequence[RowCheck],
               limit: int = 10, least_rows: int = 1) -> list[GroupFailures]:
    """The groups (e.g. procedures) with the largest share of rows failing any check, worst first."""
    if not checks:
        return []
    group = data.c[group_column]
    failing = func.count().filter(or_(*(_unexpected(check) for check in checks)))
    share = failing * 1.0 / func.count()
    query = (select(group, func.count(), failing).group_by(group).having(func.count() >= least_rows)
             .order_by(share.desc(), group).limit(limit))
    return [GroupFailures(str(row[0]), int(row[1]), int(row[2])) for row in conn.execute(query) if row[2]]
