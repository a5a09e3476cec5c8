"""Scores per source, province, commune, day and dimension, counted in the warehouse.

A row fails a dimension when any of that dimension's row-by-row checks (the SQL forms of
quality/sql_checks.py) finds it unexpected; score = 100 × (rows checked − rows failing) ÷ rows
checked. Counted in the grouped pass over the day partitions a check validates
(quality/unit_counts.py), so unchanged days keep their scores. Dataset-wide expectations (freshness of the newest load, uniqueness) blame no row and stay
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

from sqlalchemy import ColumnElement, Connection, FromClause, String, Table, bindparam, cast, func, literal, or_, select, update

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


def mask_examples(conn: Connection, table: Table, where: ColumnElement[bool],
                  among: ColumnElement[bool] | None = None) -> int:
    """Mask personal digits in the example keys of ``table``'s rows ``where`` (the few keys that have
    a run of 9 or more digits are read and written back); ``among``: a condition an index answers
    that narrows the search (it may not hold expanding parameters: the write-back is an executemany).
    Returns how many keys were masked."""
    example = table.c.example_key
    keys = [row[0] for row in conn.execute(select(example).distinct().where(
        where, *([] if among is None else [among]), example.is_not(None), example.regexp_match("[0-9]{9}")))]
    if keys:
        conn.execute(update(table).where(where, example == bindparam("stored")).values(example_key=bindparam("masked")),
                     [{"stored": value, "masked": mask(value)} for value in keys])
    return len(keys)


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
    failing = func.count().filter(or_(*(check.failing for check in checks)))
    share = failing * 1.0 / func.count()
    query = (select(group, func.count(), failing).group_by(group).having(func.count() >= least_rows)
             .order_by(share.desc(), group).limit(limit))
    return [GroupFailures(str(row[0]), int(row[1]), int(row[2])) for row in conn.execute(query) if row[2]]
