"""The map stage: a fetched batch of raw records becomes a ``LoadBatch`` the warehouse stores as handed.

For every record, in this order:
1. personal data is scrubbed (the mapping's ``pii`` section; the checks that need it made first), so
   nothing later sees a clear ID;
2. the scrubbed record is encoded once (sorted keys) - these exact bytes are the raw landing;
3. its digest (BLAKE2b of those bytes, keyed by the mapping's fingerprint) is compared with the one
   stored beside its canonical row: an unchanged record costs no mapping and no write;
4. changed records are mapped; rows that fail a rule go to quarantine with every reason, and those
   whose defect leaves the metric inputs intact hand the metrics a slim row (``metric_inputs``),
   unless the warehouse already holds a canonical row for the record (it counts through that).

Nothing here touches the database: stored digests come through a lookup the caller passes in.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Callable, Iterable

import msgspec
import zstandard

from connectors.base import Batch
from hub.warehouse.load import LoadBatch, RAW_ENCODING
from mappings.converters import batch_context
from mappings.engine import Mapping

MAX_RECORD_BYTES = 1 << 20
# zstd level 1: on a portal page, 15x smaller than the JSON text and 3-4x faster than zlib level 6,
# which is larger still (measured: 114 kB in 23 ms against zlib-6's 142 kB in 88 ms for 1.7 MB)
RAW_COMPRESSION_LEVEL = 1
DigestLookup = Callable[[list[str]], dict[str, bytes]]  # key -> digest stored beside its canonical row
QuarantineLookup = Callable[[list[str]], dict[tuple[str, str], str]]  # (key, payload sha256) -> reason

_encoder = msgspec.json.Encoder(order="sorted", enc_hook=str)


@dataclass(frozen=True)
class RecordIdentity:
    """How a record's source key finds its canonical row: the key column, and constant columns beside it."""

    key_column: str
    constants: tuple[tuple[str, object], ...] = ()


def record_identity(mapping: Mapping, primary_key: Iterable[str]) -> RecordIdentity | None:
    """The canonical key column read straight from the record key (dossier_id <- MaHoSo), if there is
    one; composite or derived keys have none, and their records are always mapped."""
    if not isinstance(mapping.record_key, str):
        return None
    rules = {rule.name: rule for rule in mapping.fields}
    key_column, constants = None, []
    for column in primary_key:
        rule = rules.get(column)
        if rule is None:
            return None
        if rule.type == "constant":
            constants.append((column, rule.options["value"]))
        elif rule.type == "string" and tuple(rule.sources) == (mapping.record_key,) and key_column is None:
            key_column = column
        else:
            return None
    return RecordIdentity(key_column, tuple(constants)) if key_column else None


def mapping_fingerprint(*texts: bytes) -> bytes:
    """Keys the record digests: a changed mapping or code list makes every record 'changed' again."""
    return hashlib.blake2b(b"\0".join(texts), digest_size=32).digest()


def translate_batch(batch: Batch, mapping: Mapping, pii_key: bytes, fingerprint: bytes,
                    stored_digests: DigestLookup | None = None, on_changed: Callable[[list], None] | None = None,
                    quarantined_before: QuarantineLookup | None = None) -> LoadBatch:
    """``on_changed`` sees the changed records as received (clear IDs included, in memory only) before
    they are scrubbed away: the owner verification's way in. A record quarantined before with the
    same payload keeps its reason without being mapped or landed again."""
    keys, encoded, digests, scrubbed, originals = [], [], [], [], []
    context = batch_context()  # one clock for the checks made before personal data is dropped
    rejects = [(_encode(mapping.scrub(item, pii_key, context)), reason) for item, reason in batch.rejects]
    for record in batch.records:
        clean = mapping.scrub(record, pii_key, context) if isinstance(record, dict) else {"_value": repr(record)[:1000]}
        payload = _encode(clean)
        if len(payload) > MAX_RECORD_BYTES:  # hostile or broken: keep its identity, not its bulk
            rejects.append((_encode({"record_key": mapping.key_of(clean)[:256], "characters": len(payload)}),
                            f"record of {len(payload):,} characters exceeds the {MAX_RECORD_BYTES:,} limit"))
            continue
        digest = hashlib.blake2b(payload, key=fingerprint, digest_size=16).digest()
        keys.append((mapping.key_of(clean) or f"sha256:{hashlib.sha256(payload).hexdigest()}")[:256])
        encoded.append(payload)
        digests.append(digest)
        scrubbed.append(clean)
        originals.append(record)

    known = stored_digests(keys) if stored_digests and keys else {}
    changed = [i for i, (key, digest) in enumerate(zip(keys, digests)) if known.get(key) != digest]
    still_bad = []
    if quarantined_before is not None and changed:
        shas = {i: hashlib.sha256(encoded[i]).hexdigest() for i in changed}
        reasons = quarantined_before([keys[i] for i in changed])
        still_bad = [(i, reasons[(keys[i], shas[i])]) for i in changed if (keys[i], shas[i]) in reasons]
        if still_bad:
            seen_bad = {i for i, _ in still_bad}
            changed = [i for i in changed if i not in seen_bad]
    if on_changed is not None and changed:
        on_changed([originals[i] for i in changed])
    result = mapping.apply([scrubbed[i] for i in changed], listing=batch.partition)

    bad = dict(result.quarantined)
    loaded_digests = [digests[changed[i]] for i in range(len(changed)) if i not in bad]
    rows = [{**row, "source_digest": digest} for row, digest in zip(result.rows, loaded_digests)]
    quarantine = [_quarantine_row(keys[changed[i]], encoded[changed[i]], reason) for i, reason in result.quarantined]
    quarantine += [_quarantine_row(keys[i], encoded[i], reason) for i, reason in still_bad]
    quarantine += [_quarantine_row(f"sha256:{hashlib.sha256(payload).hexdigest()}", payload, reason)
                   for payload, reason in rejects]
    landed = [encoded[i] for i in changed]
    # Records quarantined before with the same payload keep their reason unmapped, but their metric
    # inputs are taken again: a warehouse quarantined before metric inputs existed gets them on a re-read.
    unmapped = [i for i, _ in still_bad]
    kept_inputs = [(changed[i], row) for i, row in result.metric_inputs]
    kept_inputs += [(unmapped[i], row) for i, row in
                    mapping.metric_input_rows([scrubbed[i] for i in unmapped], listing=batch.partition)]
    held = set(known) | {keys[changed[i]] for i in range(len(changed)) if i not in bad}
    metric_inputs = [{**row, "record_key": keys[i], "payload_sha256": hashlib.sha256(encoded[i]).hexdigest()}
                     for i, row in kept_inputs if keys[i] not in held]
    return LoadBatch(
        stream=batch.stream, partition=batch.partition, target=mapping.target, fetched=batch.fetched,
        rows=rows, children=result.children, quarantine=quarantine,
        unchanged=len(keys) - len(changed) - len(still_bad),
        raw_keys=[keys[i].replace("\n", " ") for i in changed],
        raw_payload=_compressor().compress(b"\n".join(landed)) if landed else b"",
        raw_encoding=RAW_ENCODING, checkpoint=batch.checkpoint, read_end=batch.read_end,
        metric_input_target=mapping.metric_inputs.target if mapping.metric_inputs else None,
        metric_inputs=metric_inputs, metric_inputs_void=[keys[i] for i in changed + unmapped],
    )


_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    """One per thread: a ZstdCompressor must not be shared between threads."""
    if not hasattr(_local, "compressor"):
        _local.compressor = zstandard.ZstdCompressor(level=RAW_COMPRESSION_LEVEL)
    return _local.compressor


def _encode(record) -> bytes:
    return _encoder.encode(record)


def _quarantine_row(key: str, payload: bytes, reason: str) -> dict:
    return {"record_key": key, "payload_sha256": hashlib.sha256(payload).hexdigest(), "reason": reason,
            "payload": payload.decode("utf-8")}
