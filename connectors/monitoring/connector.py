"""The monitoring system's daily reports (Resolution 57 / Plan 02): province plan tasks and heat-map
colour, commune Public Administrative Service Center checklists. Incremental by report date.

Each report date is one batch whose checkpoint is that date. Localities report before 16:00 and
late reports arrive afterwards, so every run reads the last ``lookback_days`` dates again. Given an
``UpdateWindow`` (a scheduled run's data interval), a run reads the report dates the window spans,
from ``lookback_days`` before its start.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable, Iterator

from connectors.base import Batch, Checkpoint, HealthRecorder, HttpClient, HttpPolicy
from connectors.config import SystemConfig
from connectors.incremental import Position, UpdateWindow, days_less, window_read_start
from mappings.timeparse import LOCAL_ZONE



def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


class MonitoringConnector:
    source = "monitoring"
    streams = ("bao_cao_tinh", "bao_cao_xa")

    def __init__(self, config: SystemConfig, recorder: HealthRecorder | None = None,
                 today: Callable[[], date] = local_today):
        options = config.options
        self.options = options
        headers = {}
        if config.password:
            headers[options.get("api_key_header", "X-API-Key")] = config.password.reveal()
        self.http = HttpClient(self.source, config.base_url, HttpPolicy.from_options(options), recorder, headers)
        period = options.get("period") or {}
        self.first_date = date.fromisoformat(period.get("start") or options.get("first_report_date", "2025-07-01"))
        self.last_date = date.fromisoformat(period["end"]) if period.get("end") else None
        self.lookback = int(options.get("lookback_days", 2))
        self.paths = {"bao_cao_tinh": options.get("provinces_path", "/api/v1/bao-cao/tinh"),
                      "bao_cao_xa": options.get("communes_path", "/api/v1/bao-cao/xa")}
        self.today = today

    def partitions(self) -> list[str]:
        return ["all"]

    def read(self, stream: str, partition: str, checkpoint: str | None,
             window: UpdateWindow | None = None) -> Iterator[Batch]:
        if stream not in self.paths:
            raise ValueError(f"monitoring has no stream {stream!r}")
        start = self.first_date
        position = Position.decode(checkpoint, "lookback_days")
        if position.watermark:
            start = max(start, position.next_start(self.lookback))
        end = min(self.today(), self.last_date) if self.last_date else self.today()
        keeps_checkpoint = True
        if window is not None:
            window_start, window_end = window.local(LOCAL_ZONE)
            first_day, last_day = window_start.date(), (window_end - timedelta(microseconds=1)).date()  # end excluded
            start, keeps_checkpoint = window_read_start(start, max(self.first_date, days_less(first_day.isoformat(),
                                                                                      self.lookback)))
            end = min(end, last_day)
        day = start
        while day <= end:
            params = {"ngay": day.isoformat()}
            if stream == "bao_cao_xa":
                params["bao_gom_tre_han"] = "true"  # late reports too: complete, flagged by dung_han
            reply = self.http.get_json(self.paths[stream], params=params, endpoint=stream)
            records = reply.get("du_lieu") or [] if isinstance(reply, dict) else []
            done = Checkpoint(stream, partition, position.finished(day.isoformat()).encode())
            yield Batch(stream, partition, records, done if keeps_checkpoint else None)
            day += timedelta(days=1)

    def probe(self) -> None:
        self.http.get_json(self.paths["bao_cao_tinh"], params={"ngay": self.first_date.isoformat()}, endpoint="probe")

    def close(self) -> None:
        self.http.close()
