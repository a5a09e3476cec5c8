"""Dossiers from the portal, incremental by update time, one partition per province (Hxx).

The watermark is the upper bound of the last fully read update window. The next window
starts ``overlap`` earlier, so records updated late, or updated while we paged, are read
again; idempotent upserts on the dossier number make the re-read harmless.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from connectors.base import Batch, Checkpoint, HealthRecorder
from connectors.config import SystemConfig
from mappings.admin_units import load_admin_units

from .client import PortalClient

PORTAL_DATE = "%Y%m%d%H%M%S"
PORTAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def portal_now() -> datetime:
    return datetime.now(PORTAL_TZ).replace(tzinfo=None)


class DvcPortalConnector:
    source = "dvc_portal"
    streams = ("dossiers",)

    def __init__(self, config: SystemConfig, recorder: HealthRecorder | None = None,
                 clock: Callable[[], datetime] = portal_now):
        options = config.options
        self.client = PortalClient(config, recorder)
        self.page_size = int(options.get("page_size", 500))
        self.overlap = timedelta(seconds=int(options.get("overlap_seconds", 6 * 3600)))
        self.initial_watermark = str(options.get("initial_watermark", "20250101000000"))
        self.configured_partitions = options.get("partitions")
        self.clock = clock

    def partitions(self) -> list[str]:
        if self.configured_partitions:
            return list(self.configured_partitions)
        return sorted(p.dvcqg_code for p in load_admin_units().provinces.values())

    def read(self, stream: str, partition: str, checkpoint: str | None) -> Iterator[Batch]:
        if stream != "dossiers":
            raise ValueError(f"dvc_portal has no stream {stream!r}")
        if checkpoint:
            start = (datetime.strptime(checkpoint, PORTAL_DATE) - self.overlap).strftime(PORTAL_DATE)
        else:
            start = self.initial_watermark
        end = self.clock().strftime(PORTAL_DATE)
        page = 1
        while True:
            reply = self.client.call("LayDanhSachHoSo", matinh=partition, tungay=start, denngay=end,
                                     trang=str(page), sobanghi=str(self.page_size))
            records = reply.get("result") or []
            total = int(reply.get("tongsobanghi") or 0)
            last = not records or page * self.page_size >= total
            yield Batch(stream, partition, records, Checkpoint(stream, partition, end) if last else None)
            if last:
                return
            page += 1

    def probe(self) -> None:
        self.client.login()

    def close(self) -> None:
        self.client.close()
