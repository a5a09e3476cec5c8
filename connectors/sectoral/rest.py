"""JSON REST listings: paged by a registered paginator (``paging.py``), incremental by an ISO-8601
update time when declared (e.g. the land registry). Given an ``UpdateWindow`` (a scheduled run's
data interval), an incremental listing is asked from the overlap before the window's start, and the
records updated after its end are left to the run of the window they belong to."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Iterator

from connectors.base import Batch, Checkpoint, HealthRecorder, HttpClient, HttpPolicy, ReadCount
from connectors.config import SystemConfig
from connectors.incremental import Position, UpdateWindow, newest_instant, parse_instant, window_read_start

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

    def read(self, stream: str, partition: str, checkpoint: str | None,
             window: UpdateWindow | None = None) -> Iterator[Batch]:
        incremental = self.declared.incremental
        if not incremental or window is None:  # a listing without an update time is read whole
            yield from self._listing(stream, partition, checkpoint)
            return
        overlap = timedelta(seconds=incremental.overlap_seconds)
        since, keeps_checkpoint = window_read_start(
            parse_instant(Position.decode(checkpoint, "iso_watermark").next_start(overlap)), window.start - overlap)
        for batch in self._listing(stream, partition, checkpoint, since.isoformat() if since else None, window):
            yield batch if keeps_checkpoint else replace(batch, checkpoint=None)

    def _listing(self, stream: str, partition: str, checkpoint: str | None, since: str | None = None,
                 window: UpdateWindow | None = None) -> Iterator[Batch]:
        """The listing from ``since`` (else from the checkpoint's overlap), up to the window's end."""
        incremental = self.declared.incremental
        position = Position.decode(checkpoint, "iso_watermark")
        params = {}
        if incremental:
            since = since or position.next_start(timedelta(seconds=incremental.overlap_seconds))
            if since:
                params[incremental.since_param] = since
        paging = paginator_for(self.declared.paging)
        request = paging.first(self.declared.path, params)
        watermark, fetched = position.watermark, 0
        while request is not None:
            reply = self.http.get_json(request[0], params=request[1], endpoint=stream)
            records = reply_field(reply, self.declared.records_field) or []
            fetched += len(records)  # as the pages handed them over, before the window's filter
            request = paging.after(reply, records, request)
            if window is not None:
                records = [record for record in records if not _updated_after(record, incremental.watermark_field, window)]
            if incremental:
                watermark = newest_instant(watermark, (record.get(incremental.watermark_field)
                                                       for record in records if isinstance(record, dict)))
            last = request is None
            # The watermark only moves once the whole listing is stored: page order need not be
            # update order, so a half-read listing proves nothing about later records.
            done = Checkpoint(stream, partition, position.finished(watermark).encode()) if last else None
            # the listing's total where the paging declares one (offset's total_field), of its last reply
            yield Batch(stream, partition, records, done,
                        read_end=ReadCount(fetched, paging.reported_total(reply), since) if last else None)

    def probe(self) -> None:
        path, params = paginator_for(self.declared.paging).first(self.declared.path, {})
        self.http.get_json(path, params=params, endpoint="probe")

    def close(self) -> None:
        self.http.close()


def _updated_after(record, field: str, window: UpdateWindow) -> bool:
    """A record updated after the window (an unreadable update time is the mapping's to quarantine)."""
    moment = parse_instant(record.get(field)) if isinstance(record, dict) else None
    return moment is not None and moment >= window.end
