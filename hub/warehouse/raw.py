"""Reading the raw landing back: every record's exact scrubbed payload, by source, key and load.

Batches are stored compressed (raw_batch); these readers stream them one batch at a time, so replay
and audit keep memory flat however large the landing grows.
"""
from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import Iterator

import msgspec
import zstandard
from sqlalchemy import Engine, select

from .schema import raw_batch


@dataclass(frozen=True)
class RawRecord:
    source: str
    stream: str
    load_id: str
    batch_no: int
    record_key: str
    payload: bytes  # the JSON of the record as landed (personal data already scrubbed)

    @property
    def payload_sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()

    def decoded(self) -> dict:
        return msgspec.json.decode(self.payload)


def unpack(encoding: str, payload: bytes) -> list[bytes]:
    """The JSON lines of one batch (zlib+jsonl: batches carried over from migration 0007)."""
    if encoding == "zstd+jsonl":
        return zstandard.ZstdDecompressor().decompress(payload).split(b"\n")
    if encoding == "zlib+jsonl":
        return zlib.decompress(payload).split(b"\n")
    raise ValueError(f"unknown raw batch encoding {encoding!r}")


def iter_raw_records(engine: Engine, source: str | None = None, stream: str | None = None,
                     load_id: str | None = None, record_key: str | None = None) -> Iterator[RawRecord]:
    """Every landed record version, oldest batch first, optionally only one source, stream, load or key."""
    query = select(raw_batch).order_by(raw_batch.c.received_at, raw_batch.c.load_id, raw_batch.c.batch_no)
    for column, value in (("source", source), ("stream", stream), ("load_id", load_id)):
        if value is not None:
            query = query.where(raw_batch.c[column] == value)
    if record_key is not None:  # cheap pre-filter on the key list; exact match below
        query = query.where(raw_batch.c.record_keys.contains(record_key, autoescape=True))
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=50).execute(query)
        for batch in result:
            keys = batch.record_keys.split("\n")
            for key, payload in zip(keys, unpack(batch.encoding, batch.payload)):
                if record_key is None or key == record_key:
                    yield RawRecord(batch.source, batch.stream, batch.load_id, batch.batch_no, key, payload)
