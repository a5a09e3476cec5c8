"""REST with cursor pagination and an updated-since filter (e.g. the land registry)."""
from __future__ import annotations

from datetime import timedelta
from typing import Iterator

from connectors.base import Batch, Checkpoint, HealthRecorder, HttpClient, HttpPolicy
from connectors.config import SystemConfig

from .declaration import SectoralSource
from .watermark import newest, start_of_window


class RestCursorConnector:
    """Options: path, records_field, next_cursor_field, cursor_param, limit_param, limit,
    updated_since_param, watermark_field, overlap_seconds, api_key_header (the key is the
    system's password)."""

    def __init__(self, source: SectoralSource, config: SystemConfig, options: dict, recorder: HealthRecorder | None):
        self.source = source.name
        self.declared = source
        self.options = options
        headers = {}
        if options.get("api_key_header") and config.password:
            headers[options["api_key_header"]] = config.password.reveal()
        self.http = HttpClient(source.name, config.base_url, HttpPolicy.from_options(options), recorder, headers)

    def partitions(self) -> list[str]:
        return list(self.declared.partitions)

    def read(self, stream: str, partition: str, checkpoint: str | None) -> Iterator[Batch]:
        o = self.options
        overlap = timedelta(seconds=int(o.get("overlap_seconds", 3600)))
        params = {o.get("limit_param", "limit"): int(o.get("limit", 500))}
        since = start_of_window(checkpoint, overlap)
        if since and o.get("updated_since_param"):
            params[o["updated_since_param"]] = since
        watermark = checkpoint
        while True:
            reply = self.http.get_json(o["path"], params=params, endpoint=stream)
            records = reply.get(o.get("records_field", "data")) or [] if isinstance(reply, dict) else []
            cursor = reply.get(o.get("next_cursor_field", "next_cursor")) if isinstance(reply, dict) else None
            watermark = newest(watermark, (r.get(o.get("watermark_field", "updated_at"))
                                           for r in records if isinstance(r, dict)))
            last = not cursor
            # The watermark only moves once the whole traversal is stored: cursor order need
            # not be update order, so a half-read traversal proves nothing about later records.
            yield Batch(stream, partition, records,
                        Checkpoint(stream, partition, watermark) if last and watermark else None)
            if last:
                return
            params[o.get("cursor_param", "cursor")] = cursor

    def probe(self) -> None:
        self.http.get_json(self.options["path"], params={self.options.get("limit_param", "limit"): 1},
                           endpoint="probe")

    def close(self) -> None:
        self.http.close()
