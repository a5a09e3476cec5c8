"""Store one translated batch: raw landing, canonical merge, children, quarantine and the metric
inputs of quarantined records, reconciliation (and, on a read's last batch, the read's count against
the source's own total), checkpoint and health observations, all in one transaction.

A crash either keeps the batch and its checkpoint or neither, so a resumed sync never skips
records. The warehouse stores the rows it is handed: mapping happened before (hub/translate.py).
PostgreSQL merges set-wise from COPY-filled staging tables (bulk.py); SQLite, the embedded
default, upserts with executemany.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, Table, bindparam, insert, select

from connectors.base import CallObservation, Checkpoint, ReadCount
from mappings.timeparse import LOCAL_ZONE

from . import bulk
from .db import upsert
from .schema import batch_reconciliation, health_call, metadata, quarantine, raw_batch, source_read, sync_checkpoint

RAW_ENCODING = "zstd+jsonl"


@dataclass
class LoadBatch:
    """What the map stage hands the warehouse for one fetched batch."""

    stream: str
    partition: str
    target: str
    fetched: int
    rows: list[dict]  # canonical rows of the target table (with their source_digest)
    children: dict[str, list[dict]]  # child table -> rows, each carrying its parent's key
    quarantine: list[dict]  # record_key, payload_sha256, reason, payload
    unchanged: int  # records already stored with the same digest: counted as loaded, not written
    raw_keys: list[str]  # keys of the landed (new or changed) records, in payload order
    raw_payload: bytes  # their scrubbed payloads as compressed JSON lines
    raw_encoding: str = RAW_ENCODING
    checkpoint: Checkpoint | None = None
    read_end: ReadCount | None = None  # on a read's last batch: stored in source_read with the batch
    extra_rows: dict[str, list[dict]] = field(default_factory=dict)  # other tables' rows (verification outcomes)
    # Metric inputs of quarantined records (record_key, payload_sha256 and the inputs), replacing the
    # stored ones of every record mapped in this batch (``metric_inputs_void``: loaded or changed).
    metric_input_target: str | None = None
    metric_inputs: list[dict] = field(default_factory=list)
    metric_inputs_void: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.fetched - len(self.quarantine)


@dataclass(frozen=True)
class BatchOutcome:
    fetched: int
    loaded: int
    quarantined: int
    unchanged: int = 0


def read_checkpoint(engine: Engine, source: str, stream: str, partition: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(sync_checkpoint.c.value).where(
                sync_checkpoint.c.source == source, sync_checkpoint.c.stream == stream,
                sync_checkpoint.c.partition == partition)
        ).scalar_one_or_none()


def stored_digests(engine: Engine, target: str, key_column: str, constants: tuple, keys: list[str]) -> dict:
    """key -> digest of the stored canonical rows among ``keys`` (one indexed read per batch)."""
    table = metadata.tables[target]
    if "source_digest" not in table.c:
        return {}
    query = (select(table.c[key_column], table.c.source_digest)
             .where(table.c[key_column].in_(bindparam("keys", expanding=True)),
                    *(table.c[name] == value for name, value in constants)))
    with engine.connect() as conn:
        return {key: bytes(digest) for key, digest in conn.execute(query, {"keys": keys}) if digest is not None}


def stored_quarantine(engine: Engine, source: str, stream: str, keys: list[str]) -> dict[tuple[str, str], str]:
    """(key, payload sha256) -> reason, for the records among ``keys`` quarantined before."""
    query = (select(quarantine.c.record_key, quarantine.c.payload_sha256, quarantine.c.reason)
             .where(quarantine.c.source == source, quarantine.c.stream == stream,
                    quarantine.c.record_key.in_(bindparam("keys", expanding=True))))
    with engine.connect() as conn:
        return {(key, sha): reason for key, sha, reason in conn.execute(query, {"keys": keys})}


def store_batch(engine: Engine, *, load_id: str, batch_no: int, source: str, batch: LoadBatch,
                observations: list[CallObservation]) -> BatchOutcome:
    now = datetime.now(timezone.utc)
    target = metadata.tables[batch.target]
    lineage = {"load_id": load_id, "loaded_at": now}
    rows = _latest_versions(target, _fit(target, batch.rows, lineage))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The batch and its checkpoint commit or vanish together, so a server crash that loses
            # the last few commits loses nothing a re-run does not read again: no WAL flush wait.
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            # A batch's statements touch a page of rows by key: compiling them (JIT, chosen from the
            # table-wide estimates of the staging joins) costs more than it saves.
            conn.exec_driver_sql("SET LOCAL jit = off")
        if batch.raw_keys:
            conn.execute(insert(raw_batch).values(
                load_id=load_id, batch_no=batch_no, source=source, stream=batch.stream, partition=batch.partition,
                records=len(batch.raw_keys), record_keys="\n".join(batch.raw_keys), encoding=batch.raw_encoding,
                payload=batch.raw_payload, received_at=now))
        if rows:
            children = {}
            for name, child_rows in batch.children.items():
                child = metadata.tables[name]
                children[child] = _children_of(target, rows, child, [{**row, **lineage} for row in child_rows])
            if conn.dialect.name == "postgresql":
                bulk.merge_with_children(conn, target, rows, children)
            else:
                _upsert_with_children(conn, target, rows, children)
        upsert(conn, quarantine, [{"source": source, "stream": batch.stream, **row, "load_id": load_id,
                                   "quarantined_at": now} for row in batch.quarantine])
        if batch.metric_input_target is not None:
            _replace_metric_inputs(conn, metadata.tables[batch.metric_input_target], source, batch, lineage)
        conn.execute(insert(batch_reconciliation).values(
            load_id=load_id, batch_no=batch_no, source=source, stream=batch.stream, partition=batch.partition,
            fetched=batch.fetched, loaded=batch.loaded, quarantined=len(batch.quarantine),
            unchanged=batch.unchanged, recorded_at=now))
        if batch.read_end is not None:
            read = batch.read_end
            upsert(conn, source_read, [{
                "load_id": load_id, "source": source, "stream": batch.stream, "partition": batch.partition,
                "batch_no": batch_no, "read_from": read.read_from, "read_to": read.read_to, "fetched": read.fetched,
                "source_total": read.reported, "read_date": now.astimezone(LOCAL_ZONE).date(), "recorded_at": now}])
        for table_name, extra in batch.extra_rows.items():
            upsert(conn, metadata.tables[table_name], [{**row, **lineage} for row in extra])
        if batch.checkpoint is not None:
            upsert(conn, sync_checkpoint, [{
                "source": source, "stream": batch.checkpoint.stream, "partition": batch.checkpoint.partition,
                "value": batch.checkpoint.value, "load_id": load_id, "updated_at": now}])
        write_observations(conn, observations, load_id)
    return BatchOutcome(batch.fetched, batch.loaded, len(batch.quarantine), batch.unchanged)


def store_extra_rows(engine: Engine, load_id: str, extra_rows: dict[str, list[dict]]) -> None:
    """Rows that outlived their batch (verification outcomes that arrived after it was stored)."""
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        for table_name, rows in extra_rows.items():
            upsert(conn, metadata.tables[table_name], [{**row, "load_id": load_id, "loaded_at": now} for row in rows])


def _fit(table: Table, rows: list[dict], lineage: dict) -> list[dict]:
    if rows and "source_digest" not in table.c:
        return [{**{k: v for k, v in row.items() if k != "source_digest"}, **lineage} for row in rows]
    return [{**row, **lineage} for row in rows]


def _key(table: Table, row: dict) -> tuple:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _latest_versions(table: Table, rows: list[dict]) -> list[dict]:
    """A batch may carry a record twice (a duplicate across pages): its latest version wins."""
    if "updated_at" in table.c:
        rows = sorted(rows, key=lambda row: (row["updated_at"] is not None, row["updated_at"] or 0))
    return list({_key(table, row): row for row in rows}.values())


def _children_of(parent: Table, parents: list[dict], child: Table, rows: list[dict]) -> list[dict]:
    """The children of the parent versions kept (same key and version), once per child key."""
    key_names = [c.name for c in parent.primary_key.columns]
    kept = {tuple(p[n] for n in key_names): p.get("updated_at") for p in parents}
    versioned = "updated_at" in parent.c and "updated_at" in child.c
    unique = {}
    for row in rows:
        version = kept.get(tuple(row[n] for n in key_names), _MISSING)
        if version is _MISSING or (versioned and row["updated_at"] != version):
            continue
        unique[_key(child, row)] = row
    return list(unique.values())


_MISSING = object()


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC


def _upsert_with_children(conn, target: Table, rows: list[dict], children: dict[Table, list[dict]]) -> None:
    """SQLite: rows whose stored version is newer are dropped first; the rest are upserted and their
    children replaced as a set (removed attachments disappear too)."""
    fresh = _drop_stale(conn, target, rows)
    upsert(conn, target, fresh, unless_newer="updated_at" if "updated_at" in target.c else None)
    keys = {_key(target, row) for row in fresh}
    key_names = [c.name for c in target.primary_key.columns]
    for child, child_rows in children.items():
        if not keys:
            continue
        conn.execute(child.delete().where(*(child.c[n] == bindparam(f"k_{n}") for n in key_names)),
                     [{f"k_{n}": value for n, value in zip(key_names, key)} for key in keys])
        upsert(conn, child, [r for r in child_rows if tuple(r[n] for n in key_names) in keys])


def _drop_stale(conn, target: Table, rows: list[dict]) -> list[dict]:
    """Rows whose stored version is not newer (out-of-order deliveries must not roll back data)."""
    if not rows or "updated_at" not in target.c or len(target.primary_key.columns) != 1:
        return rows
    key_column = next(iter(target.primary_key.columns))
    stored = dict(conn.execute(select(key_column, target.c.updated_at)
                               .where(key_column.in_(bindparam("keys", expanding=True))),
                               {"keys": [r[key_column.name] for r in rows]}).all())
    return [r for r in rows if stored.get(r[key_column.name]) is None
            or _as_utc(stored[r[key_column.name]]) <= r["updated_at"]]


def _replace_metric_inputs(conn, table: Table, source: str, batch: LoadBatch, lineage: dict) -> None:
    """The metric inputs of the records mapped in this batch: the stored ones go, the new ones come."""
    rows = _latest_versions(table, [{"source": source, **row, **lineage} for row in batch.metric_inputs])
    if conn.dialect.name == "postgresql":
        bulk.replace_keyed(conn, table, "source", source, "record_key", batch.metric_inputs_void, rows)
        return
    if batch.metric_inputs_void:
        conn.execute(table.delete().where(table.c.source == source, table.c.record_key == bindparam("key")),
                     [{"key": key} for key in batch.metric_inputs_void])
    upsert(conn, table, rows)


def write_observations(conn, observations: list[CallObservation], load_id: str | None) -> None:
    if observations:
        conn.execute(insert(health_call), [
            {"system": o.system, "endpoint": o.endpoint, "outcome": o.outcome, "http_status": o.http_status,
             "latency_ms": o.latency_ms, "bytes": o.bytes, "observed_at": o.observed_at,
             "observed_date": o.observed_at.astimezone(LOCAL_ZONE).date(), "load_id": load_id}
            for o in observations
        ])
