"""SQL building blocks the metrics share, written once so SQLite and PostgreSQL give the same values."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, Numeric, case, cast, func, literal, literal_column, select, type_coerce, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hub.settings import LOCAL_TZ
from quality.dossier_sums import count_if  # noqa: F401 (written once, shared with the quality checks)


def days_table(days: list[date]):
    """The days as a one-column table (``day``), to cross with the units so every day has its rows."""
    selects = [select(literal(day, Date).label("day")) for day in days]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).subquery("days")


def constant(value: str):
    """A text constant written into the SQL (of the metric modules, never data): the same literal in
    every SELECT of an INSERT … SELECT, with no bind parameter whose type PostgreSQL must guess."""
    return literal_column(f"'{value}'")


def rate_pct(part, whole):
    """100 × part ÷ whole rounded to 2 decimals, NULL when whole is 0: hub.metrics.percent in SQL
    (numeric arithmetic, so PostgreSQL's round(numeric, 2) applies and both databases agree)."""
    return case((whole > 0, func.round(cast(part, Numeric) * 100 / whole, 2)))


class local_hour(FunctionElement):
    """The Asia/Ho_Chi_Minh hour (0-23) of a UTC timestamp."""
    type = Integer()
    inherit_cache = True


@compiles(local_hour)
def _local_hour_postgresql(element, compiler, **kw):
    (stamp,) = element.clauses
    return f"CAST(EXTRACT(HOUR FROM ({compiler.process(stamp, **kw)} AT TIME ZONE '{LOCAL_TZ}')) AS INTEGER)"


@compiles(local_hour, "sqlite")
def _local_hour_sqlite(element, compiler, **kw):
    # SQLite stores the UTC wall time as text and knows no time zones; Vietnam has kept UTC+7,
    # without daylight saving, since 1975.
    (stamp,) = element.clauses
    return f"CAST(strftime('%H', {compiler.process(stamp, **kw)}, '+7 hours') AS INTEGER)"


def percentile(value, rank, size, percent: int):
    """The continuous percentile (PostgreSQL's percentile_cont) of ``value`` within a group, as an
    aggregate over rows that carry ``rank`` (row_number() over the group ordered by value, 1-based)
    and ``size`` (the group's row count); rows whose value is NULL must be left out beforehand.

    With n values v1 ≤ … ≤ vn the percentile sits at position 1 + (n − 1) × p: between the values
    ranked lo = 1 + ⌊(n − 1) × p⌋ and lo + 1, linearly interpolated. The arithmetic is integer
    (p in whole percent) so both databases truncate alike.
    """
    scaled = (type_coerce(size, Integer) - 1) * percent
    lo = 1 + scaled // 100
    fraction = (scaled % 100) / literal_column("100.0")
    at_lo = func.max(case((rank == lo, value)))
    above = func.max(case((rank == lo + 1, value)))
    return at_lo + func.max(fraction) * (func.coalesce(above, at_lo) - at_lo)
