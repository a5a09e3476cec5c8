"""JSON REST listings: paged by a registered paginator (``paging.py``), incremental by an ISO-8601
update time when declared (e.g. the land registry)."""
from __future__ import annotations

from datetime import timedelta
from typing import Iterator

from connectors.base import Batch, Checkpoint, HealthRecorder, HttpClient, HttpPolicy
from connectors.config import SystemConfig
from connectors.incremental import Position, newest_instant

from .declaration import DeclaredConnector, SectoralSource, connector_kind
from .models import RestCursorSource, RestSource
from .paging import paginator_for, reply_field


@connector_kind("rest", "rest_cursor")
class RestConnector(DeclaredConnector):
    declared: RestSource

    def __init__(self, source: SectoralSource, declared: RestSource | RestCursorSource, config: SystemConfig,
                 policy: HttpPolicy, recorder: HealthRecorder | None):
        super().__init__(source, declared.as_rest() if isinstance(declared, RestCursorSource) else declared, recorder)
        headers = {}
        if self.declared.api_key_header and config.password:
            headers[self.declared.api_key_header] = config.password.reveal()
        self.http = HttpClient(source.name, config.base_url, policy, self.recorder, headers)

    def read(self, stream: str, partition: str, checkpoint: str | None) -> Iterator[Batch]:
        incremental = self.declared.incremental
        position = Position.decode(checkpoint, "iso_watermark")
        params = {}
        if incremental:
            since = position.next_start(timedelta(seconds=incremental.overlap_seconds))
            if since:
                params[incremental.since_param] = since
        paging = paginator_for(self.declared.paging)
        request = paging.first(self.declared.path, params)
        watermark = position.watermark
        while request is not None:
            reply = self.http.get_json(request[0], params=request[1], endpoint=stream)
            records = reply_field(reply, self.declared.records_field) or []
            if incremental:
                watermark = newest_instant(watermark, (record.get(incremental.watermark_field)
                                                       for record in records if isinstance(record, dict)))
            request = paging.after(reply, records, request)
            last = request is None
            # The watermark only moves once the whole listing is stored: page order need not be
            # update order, so a half-read listing proves nothing about later records.
            done = Checkpoint(stream, partition, position.finished(watermark).encode()) if last else None
            yield Batch(stream, partition, records, done)

    def probe(self) -> None:
        path, params = paginator_for(self.declared.paging).first(self.declared.path, {})
        self.http.get_json(path, params=params, endpoint="probe")

    def close(self) -> None:
        self.http.close()
