"""Incremental publishing: which days' inputs changed since a metric last published them.

A day's inputs are identified by a fingerprint: how many input rows it has and the newest
``loaded_at`` among them (loads stamp every row they write, so a new or changed row moves it; a row
that moved to another day lowers this day's count). The fingerprints are computed by grouped SQL
in the database; a metric stores the ones it published in ``publish_partition`` in the same
transaction as its rows, so a publish that fails half-way is redone whole the next time.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

from sqlalchemy import Connection, delete, func, insert, select

from hub.warehouse.schema import publish_partition
from quality.fingerprint import EMPTY, Fingerprint

p = publish_partition.c


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def stale_days(conn: Connection, metric: str, current: dict[date, Fingerprint], days: Iterable[date]) -> list[date]:
    """The days whose inputs differ from what the metric last published (never published included)."""
    days = list(days)
    if not days:
        return []
    stored = {r.partition_date: Fingerprint.of(r.row_count, r.changed_at) for r in conn.execute(
        select(p.partition_date, p.row_count, p.changed_at)
        .where(p.metric == metric, p.partition_date.between(min(days), max(days))))}
    return [day for day in days if day not in stored or stored[day] != current.get(day, EMPTY)]


def record_published(conn: Connection, metric: str, current: dict[date, Fingerprint], days: list[date],
                     now: datetime) -> None:
    if not days:
        return
    conn.execute(delete(publish_partition).where(p.metric == metric, p.partition_date.in_(days)))
    conn.execute(insert(publish_partition), [
        {"metric": metric, "partition_date": day, "row_count": current.get(day, EMPTY).row_count,
         "changed_at": current.get(day, EMPTY).changed_at, "published_at": now} for day in days])


def republish_days(conn: Connection, metric: str, table, day_column, days: list[date], columns: list[str],
                   selects: Iterable, current: dict[date, Fingerprint], now: datetime) -> None:
    """Replace the metric's rows of ``days`` with the rows of ``selects`` (each an ``INSERT … SELECT``
    in ``columns`` order) and record the days' fingerprints, in the caller's transaction."""
    conn.execute(delete(table).where(day_column.in_(days)))
    for rows in selects:
        conn.execute(insert(table).from_select(columns, rows))
    record_published(conn, metric, current, days, now)


def fingerprints(conn: Connection, day_column, table, where=None) -> dict[date, Fingerprint]:
    """Per day of ``day_column``: the table's row count and newest loaded_at, grouped in the database."""
    query = select(day_column, func.count(), func.max(table.c.loaded_at)).group_by(day_column)
    if where is not None:
        query = query.where(where)
    return {day: Fingerprint.of(n, changed) for day, n, changed in conn.execute(query)}


def one_writer_at_a_time(conn: Connection, metric: str) -> None:
    """Two publishes of the same days must not interleave their delete-then-insert (PostgreSQL;
    SQLite serialises writers already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"publish_partition:{metric}"))))
