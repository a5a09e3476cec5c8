"""Store one batch: raw landing, canonical upsert, quarantine, reconciliation, checkpoint, health.

Everything of a batch commits in one transaction, checkpoint included: a crash either keeps
the batch and its checkpoint or neither, so a resumed sync never skips records.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, delete, insert, select, tuple_

from connectors.base import Batch, CallObservation
from mappings.engine import Mapping

from .db import upsert
from .schema import batch_reconciliation, health_call, metadata, quarantine, raw_record, sync_checkpoint


MAX_RECORD_CHARS = 1 << 20
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class BatchOutcome:
    fetched: int
    loaded: int
    quarantined: int


def _payload(record: dict) -> tuple[str, str]:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_checkpoint(engine: Engine, source: str, stream: str, partition: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(sync_checkpoint.c.value).where(
                sync_checkpoint.c.source == source, sync_checkpoint.c.stream == stream,
                sync_checkpoint.c.partition == partition)
        ).scalar_one_or_none()


def store_batch(engine: Engine, *, load_id: str, batch_no: int, source: str, mapping: Mapping, batch: Batch,
                pii_key: bytes, observations: list[CallObservation],
                extra_rows: dict[str, list[dict]] | None = None) -> BatchOutcome:
    """``extra_rows``: rows of other tables that belong to this batch (verification outcomes)."""
    now = datetime.now(timezone.utc)
    scrubbed, payloads, rejects = [], [], [(mapping.pii.scrub(item, pii_key), reason) for item, reason in batch.rejects]
    for record in batch.records:
        record = mapping.pii.scrub(record, pii_key) if isinstance(record, dict) else {"_value": repr(record)[:1000]}
        payload = _payload(record)
        if len(payload[0]) > MAX_RECORD_CHARS:  # hostile or broken: keep its identity, not its bulk
            key = mapping.key_of(record)[:256]
            rejects.append(({"record_key": key, "characters": len(payload[0])},
                            f"record of {len(payload[0]):,} characters exceeds the {MAX_RECORD_CHARS:,} limit"))
            continue
        scrubbed.append(record)
        payloads.append(payload)
    keys = [(mapping.key_of(record) or f"sha256:{sha}")[:256] for record, (_, sha) in zip(scrubbed, payloads)]
    result = mapping.apply(scrubbed)
    reject_payloads = [_payload(item) for item, _ in rejects]
    for row in result.rows:
        row["load_id"] = load_id
        row["loaded_at"] = now
    target = metadata.tables[mapping.target]
    with engine.begin() as conn:
        rows, fresh_keys = _drop_stale(conn, target, result.rows)
        upsert(conn, raw_record, [
            {"source": source, "stream": batch.stream, "record_key": key, "payload_sha256": sha,
             "payload": text, "load_id": load_id, "received_at": now}
            for key, (text, sha) in zip(keys, payloads)
        ], update=False)
        upsert(conn, target, rows, unless_newer="updated_at" if "updated_at" in target.c else None)
        for child_table, child_rows in result.children.items():
            _replace_children(conn, metadata.tables[child_table], target, fresh_keys, child_rows, load_id, now)
        upsert(conn, quarantine, [
            {"source": source, "stream": batch.stream, "record_key": keys[i], "payload_sha256": payloads[i][1],
             "reason": reason, "payload": payloads[i][0], "load_id": load_id, "quarantined_at": now}
            for i, reason in result.quarantined
        ] + [
            {"source": source, "stream": batch.stream, "record_key": f"sha256:{sha}", "payload_sha256": sha,
             "reason": reason, "payload": text, "load_id": load_id, "quarantined_at": now}
            for (_, reason), (text, sha) in zip(rejects, reject_payloads)
        ])
        conn.execute(insert(batch_reconciliation).values(
            load_id=load_id, batch_no=batch_no, source=source, stream=batch.stream, partition=batch.partition,
            fetched=batch.fetched, loaded=len(result.rows), quarantined=len(result.quarantined) + len(rejects),
            recorded_at=now))
        for table_name, rows_of_table in (extra_rows or {}).items():
            upsert(conn, metadata.tables[table_name],
                   [{**row, "load_id": load_id, "loaded_at": now} for row in rows_of_table])
        if batch.checkpoint is not None:
            upsert(conn, sync_checkpoint, [{
                "source": source, "stream": batch.checkpoint.stream, "partition": batch.checkpoint.partition,
                "value": batch.checkpoint.value, "load_id": load_id, "updated_at": now}])
        write_observations(conn, observations, load_id)
    return BatchOutcome(batch.fetched, len(result.rows), len(result.quarantined) + len(rejects))


def _key(table: Table, row: dict) -> tuple:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC


def _drop_stale(conn, target: Table, rows: list[dict]) -> tuple[list[dict], set[tuple]]:
    """Rows whose stored version is not newer (out-of-order deliveries must not roll back data)."""
    if not rows or "updated_at" not in target.c or len(target.primary_key.columns) != 1:
        return rows, {_key(target, r) for r in rows}
    key_column = next(iter(target.primary_key.columns))
    stored = dict(conn.execute(select(key_column, target.c.updated_at)
                               .where(key_column.in_({r[key_column.name] for r in rows}))).all())
    fresh = [r for r in rows if stored.get(r[key_column.name]) is None
             or _as_utc(stored[r[key_column.name]]) <= r["updated_at"]]
    return fresh, {_key(target, r) for r in fresh}


def _replace_children(conn, child: Table, parent: Table, parent_keys: set[tuple], rows: list[dict],
                      load_id: str, now: datetime) -> None:
    """A loaded record's children are replaced as a set: removed attachments disappear too."""
    if not parent_keys:
        return
    key_names = [c.name for c in parent.primary_key.columns]
    if len(key_names) == 1:
        conn.execute(delete(child).where(child.c[key_names[0]].in_([k[0] for k in parent_keys])))
    else:
        conn.execute(delete(child).where(tuple_(*(child.c[n] for n in key_names)).in_(list(parent_keys))))
    kept = [{**r, "load_id": load_id, "loaded_at": now} for r in rows
            if tuple(r[n] for n in key_names) in parent_keys]
    upsert(conn, child, kept)


def write_observations(conn, observations: list[CallObservation], load_id: str | None) -> None:
    if observations:
        conn.execute(insert(health_call), [
            {"system": o.system, "endpoint": o.endpoint, "outcome": o.outcome, "http_status": o.http_status,
             "latency_ms": o.latency_ms, "bytes": o.bytes, "observed_at": o.observed_at,
             "observed_date": o.observed_at.astimezone(LOCAL_ZONE).date(), "load_id": load_id}
            for o in observations
        ])
