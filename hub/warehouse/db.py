"""Engines and the one upsert every loader uses, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence

from sqlalchemy import Engine, Table, create_engine, event
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url

SHARED_ENGINES_MAX = 8  # warehouses one process uses at once (tests go through many)
_shared: OrderedDict[str, Engine] = OrderedDict()
_shared_lock = threading.Lock()


def create_warehouse_engine(url: str) -> Engine:
    parsed = make_url(url)
    # Statement parameters carry warehouse rows: keep them out of exception messages and logs.
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            _write_ahead_log(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _busy_without_waiting(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


# The first statement on a new connection. SQLite answers "database is locked" at once, without its
# busy timeout, while another process switches a new file to WAL or recovers the log the last
# connection left (processes opening one warehouse together, as a deployment's first runs do): retried.
@retry(retry=retry_if_exception(_busy_without_waiting), stop=stop_after_delay(30),
       wait=wait_exponential(multiplier=0.05, max=1), reraise=True)
def _write_ahead_log(cursor) -> None:
    cursor.execute("PRAGMA journal_mode=WAL")


def shared_engine(url: str) -> Engine:
    """One engine (one pool) per URL and process. The least recently used beyond
    SHARED_ENGINES_MAX is disposed of: its idle connections close, and it stays usable."""
    with _shared_lock:
        engine = _shared.pop(url, None) or create_warehouse_engine(url)
        _shared[url] = engine
        while len(_shared) > SHARED_ENGINES_MAX:
            _shared.popitem(last=False)[1].dispose()
        return engine


def _forget_parent_connections() -> None:
    # A forked child must not use its parent's pooled connections (SQLAlchemy's pooling guidance).
    for engine in list(_shared.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_parent_connections)


def connect(url: str) -> Engine:
    return create_warehouse_engine(url)


def _insert_for(conn: Connection):
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def upsert(conn: Connection, table: Table, rows: Sequence[dict], key: Iterable[str] | None = None,
           update: bool = True, unless_newer: str | None = None) -> int:
    """Insert rows; on a natural-key conflict update the other columns (or keep the old row).

    ``unless_newer`` names a version column (e.g. updated_at): a stored row that is newer than
    the incoming one is kept, so records arriving out of order never roll data back.
    One statement, compiled once and executed for all rows: batched executemany on SQLite,
    psycopg's pipelined executemany on PostgreSQL.
    """
    if not rows:
        return 0
    key_cols = list(key) if key is not None else [c.name for c in table.primary_key.columns]
    # A batch may carry a key twice (PostgreSQL refuses that in one statement): the last version wins.
    if unless_newer is not None:
        rows = sorted(rows, key=lambda row: (row[unless_newer] is not None, row[unless_newer] or 0))
    rows = list({tuple(row[k] for k in key_cols): row for row in rows}.values())
    columns = list(rows[0].keys())
    statement = _insert_for(conn)(table)
    updatable = [c for c in columns if c not in key_cols]
    if update and updatable:
        where = table.c[unless_newer] <= statement.excluded[unless_newer] if unless_newer is not None else None
        statement = statement.on_conflict_do_update(index_elements=key_cols,
                                                    set_={c: statement.excluded[c] for c in updatable}, where=where)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=key_cols)
    conn.execute(statement, list(rows))
    return len(rows)
