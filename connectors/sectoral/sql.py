"""SQL sources read through SQLAlchemy by keyset on (watermark column, key column).

Each batch's checkpoint is the (watermark, key) of its last row, committed with the batch, so a
resumed sync continues exactly where the last stored batch ended. Every sync starts an overlap
earlier than the checkpoint, for rows committed late with an older watermark.
"""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterator

from sqlalchemy import MetaData, Table, create_engine, literal, select, tuple_
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from connectors.base import Batch, Checkpoint, HealthRecorder, HttpPolicy, SourceError, elapsed_ms
from connectors.config import SystemConfig
from connectors.incremental import Position, UpdateWindow

from .declaration import DeclaredConnector, SectoralSource, connector_kind
from .models import SqlSource


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


@connector_kind("sql")
class SqlWatermarkConnector(DeclaredConnector):
    """The system URL is a SQLAlchemy URL (its password, if any, comes from the system's credentials)."""

    declared: SqlSource

    def __init__(self, source: SectoralSource, declared: SqlSource, config: SystemConfig, policy: HttpPolicy,
                 recorder: HealthRecorder | None):
        super().__init__(source, declared, recorder)
        url = make_url(config.base_url)
        if config.password:
            url = url.set(password=config.password.reveal())
        self.engine = create_engine(url, pool_pre_ping=True)
        self._table: Table | None = None

    @property
    def table(self) -> Table:
        if self._table is None:
            self._table = Table(self.declared.table, MetaData(), autoload_with=self.engine)
        return self._table

    def read(self, stream: str, partition: str, checkpoint: str | None,
             window: UpdateWindow | None = None) -> Iterator[Batch]:
        """From the checkpoint, whatever the window: a keyset carries no time zone to bound it by."""
        table, declared = self.table, self.declared
        mark, key = table.c[declared.watermark_column], table.c[declared.key_column]
        size = declared.batch_size
        position = Position.decode(checkpoint, "keyset")
        # A new sync starts an overlap before the last row stored, from the first key.
        since = position.next_start(timedelta(seconds=declared.overlap_seconds))
        lower = (since, "") if since else None
        while True:
            query = select(table).order_by(mark, key).limit(size)
            if lower:
                query = query.where(tuple_(mark, key) > (_bind(lower[0], mark), lower[1]))
            rows = self._fetch(query, stream)
            records = [{name: _plain(value) for name, value in row.items()} for row in rows]
            if not records:
                return
            last = records[-1]
            lower = (str(last[declared.watermark_column]), str(last[declared.key_column]))
            position = position.at_row(*lower)
            yield Batch(stream, partition, records, Checkpoint(stream, partition, position.encode()))
            if len(records) < size:
                return

    @retry(retry=retry_if_exception_type(OperationalError), stop=stop_after_attempt(4),
           wait=wait_exponential_jitter(initial=0.2, max=5), reraise=True)
    def _attempt(self, query):
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def _fetch(self, query, stream: str) -> list[dict]:
        started = time.perf_counter()
        try:
            rows = self._attempt(query)
        except DBAPIError as exc:
            outcome = "timeout" if "timeout" in str(exc).lower() else "reset"
            self.recorder.record(self.source, stream, outcome, None, elapsed_ms(started))
            raise SourceError(self.source, stream, outcome, type(exc.orig).__name__) from None
        self.recorder.record(self.source, stream, "ok", None, elapsed_ms(started),
                             sum(len(json.dumps(r, default=str)) for r in rows))
        return rows

    def probe(self) -> None:
        self._fetch(select(literal(1).label("ok")), "probe")

    def close(self) -> None:
        self.engine.dispose()


def _bind(text: str, column):
    """The checkpoint's watermark in the column's own type, so comparisons are typed, not textual."""
    python_type = getattr(column.type, "python_type", str)
    if python_type is datetime:
        return datetime.fromisoformat(text)
    if python_type is date:
        return date.fromisoformat(text[:10])
    return text
