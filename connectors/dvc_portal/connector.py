"""The portal's streams, one partition per province (Hxx):

- ``dossiers``: incremental by update time. The watermark is the latest update time (NgayCapNhat)
  read in the last fully read window, never past that window's end; the next window starts
  ``overlap`` earlier, so records updated late, or updated while we paged, are read again
  (unchanged re-reads cost no write). The watermark comes from the portal's own timestamps, not the
  hub's clock: a hub clock ahead of the portal's must not skip updates. Within a window every page
  carries where to resume (a ``portal_window`` ``Position``). Given an ``UpdateWindow`` (a scheduled
  run's data interval) it reads that window, from the overlap before its start to its end, instead.
- ``procedures``: the province's procedure catalogue with each procedure's full package
  (components, and which database could replace each), read whole every time.
- ``procedure_levels``: the level of online service (MUCDO) of every listed procedure in every commune
  of the partition's province, one ``LayThuTuc`` call with ``maxa`` per pair (the level is held per
  applying unit, not in the packages: dvc_portal.md section 6). One batch per procedure, each carrying
  the last procedure stored, so an interrupted read resumes with the next procedure.
- ``reported_online``: the portal's own public aggregates (provide-online-tree) for the
  reporting period, kept as received to compare with what the hub computes.
- ``service_levels``: from the same criterion, the procedures by the highest level of online
  service they reach (authority, partial, full counts) for the partition's province and for the
  nation. The nation's counts are not the provinces' sum (a procedure full-process in two provinces
  counts once), so they are read as the portal gives them: one national request per read period
  serves every partition (the national tree lists each province as a child).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Callable, Iterator

from connectors.base import Batch, Checkpoint, HealthRecorder, ReadCount
from connectors.config import SystemConfig
from connectors.incremental import Position, UpdateWindow, portal_less, window_read_start
from mappings.admin_units import load_admin_units
from mappings.timeparse import LOCAL_ZONE

from .client import PortalClient

PORTAL_DATE = "%Y%m%d%H%M%S"
# What the procedure_levels stream keeps of a package read for one commune (MUCDO: its level there)
LEVEL_KEYS = ("MATTHC", "MUCDO", "TENMUCDO")


def _update_times(records: list, start: str, end: str) -> list[str]:
    """Well-formed NgayCapNhat values inside the window: a malformed or future one (a data fault)
    must move neither the watermark nor a resume point (yyyyMMddHHmmss texts order as times)."""
    stamps = (r.get("NgayCapNhat") for r in records if isinstance(r, dict))
    return [s for s in stamps if isinstance(s, str) and len(s) == 14 and s.isdigit() and start <= s <= end]


def _reported_total(value) -> int | None:
    """``tongsobanghi`` as a count, None when the reply has none (not reported)."""
    return None if value is None or value == "" else int(value)


def portal_now() -> datetime:
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None)


class DvcPortalConnector:
    source = "dvc_portal"
    streams = ("dossiers", "procedures", "procedure_levels", "reported_online", "service_levels")

    def __init__(self, config: SystemConfig, recorder: HealthRecorder | None = None,
                 clock: Callable[[], datetime] = portal_now):
        options = config.options
        self.client = PortalClient(config, recorder)
        self.page_size = int(options.get("page_size", 1000))  # the portal's maximum: fewer round trips
        self.overlap = timedelta(seconds=int(options.get("overlap_seconds", 6 * 3600)))
        self.initial_watermark = str(options.get("initial_watermark", "20250101000000"))
        self.configured_partitions = options.get("partitions")
        self.reporting_from = str(options.get("reporting_from", "2025-07-01"))
        self.reporting_path = options.get("reporting_path", "/api/v1/reporting/evaluation/provide-online-tree")
        self.clock = clock
        self._national_trees: dict[tuple[str, str], dict] = {}  # (fromDate, toDate) -> reply, per connector

    def partitions(self) -> list[str]:
        if self.configured_partitions:
            return list(self.configured_partitions)
        return sorted(p.dvcqg_code for p in load_admin_units().provinces.values())

    def read(self, stream: str, partition: str, checkpoint: str | None,
             window: UpdateWindow | None = None) -> Iterator[Batch]:
        if stream == "dossiers":
            return self._dossiers(partition, checkpoint, window)
        readers = {"procedures": self._procedures, "procedure_levels": self._procedure_levels,
                   "reported_online": self._reported_online, "service_levels": self._service_levels}
        if stream not in readers:
            raise ValueError(f"dvc_portal has no stream {stream!r}")
        return readers[stream](partition, checkpoint)  # read whole: a window does not apply

    def _procedures(self, partition: str, checkpoint: str | None) -> Iterator[Batch]:
        """Read whole every time: the checkpoint only records when."""
        packages = []
        for code in self._listed_codes(partition):
            packages += (self.client.call("LayThuTuc", maTTHC=code).get("result") or [])[:1]
        read_at = self.clock().strftime(PORTAL_DATE)
        yield Batch("procedures", partition, packages, Checkpoint("procedures", partition, Position("full_read", read_at).encode()))

    def _listed_codes(self, partition: str) -> list[str]:
        """The codes of the province's procedures, in the portal's listing order."""
        listing = self.client.call("LayDanhSachTTHC", matinh=partition).get("result") or []
        return [item["MATTHC"] for item in listing if isinstance(item, dict) and item.get("MATTHC")]

    def _procedure_levels(self, partition: str, checkpoint: str | None) -> Iterator[Batch]:
        """Each listed procedure's level in each of the province's communes: only the level of the
        package is kept (its other sections are the ``procedures`` stream's, read once per province,
        not once per commune), with the commune asked about and when, which the reply does not say."""
        stored = Position.decode(checkpoint, "full_read")
        units = load_admin_units()
        province = units.by_dvcqg.get(partition)
        communes = sorted(c.code for c in units.communes_of(province.code)) if province else []
        codes = self._listed_codes(partition)
        if stored.key in codes:  # an interrupted read: the procedures after the last one stored
            codes = codes[codes.index(stored.key) + 1:]
        read_at = self.clock().strftime(PORTAL_DATE)
        for n, code in enumerate(codes):
            records = []
            for commune in communes:
                package = (self.client.call("LayThuTuc", maTTHC=code, maxa=commune).get("result") or [{}])[0]
                package = package if isinstance(package, dict) else {}
                kept = {k: package[k] for k in LEVEL_KEYS if k in package}
                records.append({"MATTHC": code, **kept, "maxa": commune, "readAt": read_at})
            done = n == len(codes) - 1
            position = Position("full_read", watermark=read_at, key=None if done else code)
            yield Batch("procedure_levels", partition, records, Checkpoint("procedure_levels", partition, position.encode()))
        if not codes:
            yield Batch("procedure_levels", partition, [], Checkpoint("procedure_levels", partition,
                                                                      Position("full_read", read_at).encode()))

    def _reported_online(self, partition: str, checkpoint: str | None) -> Iterator[Batch]:
        period = self._reporting_period()
        reply = self.client.http.post_json(self.reporting_path, {**period, "rootDepartmentId": partition},
                                           endpoint="provide-online-tree")
        data = reply.get("data") if isinstance(reply, dict) else None
        parent = data.get("parent") if isinstance(data, dict) else None
        as_of = (reply.get("period") or {}).get("asOf") if isinstance(reply, dict) else None
        # The request's period travels with the figures: without it they mean nothing.
        records = [{**parent, **period, "asOf": as_of}] if isinstance(parent, dict) else []
        yield Batch("reported_online", partition, records, Checkpoint("reported_online", partition,
                                                                   Position("full_read", period["toDate"]).encode()))

    def _reporting_period(self) -> dict[str, str]:
        return {"fromDate": self.reporting_from, "toDate": self.clock().date().isoformat()}

    def _service_levels(self, partition: str, checkpoint: str | None) -> Iterator[Batch]:
        """The nation's node and the partition's province node of the national tree."""
        period = self._reporting_period()
        key = (period["fromDate"], period["toDate"])
        if key not in self._national_trees:
            self._national_trees[key] = self.client.http.post_json(self.reporting_path, period,
                                                                   endpoint="provide-online-tree")
        reply = self._national_trees[key]
        data = reply.get("data") if isinstance(reply, dict) else None
        data = data if isinstance(data, dict) else {}
        as_of = (reply.get("period") or {}).get("asOf") if isinstance(reply, dict) else None
        children = [c for c in data.get("children") or [] if isinstance(c, dict) and c.get("code") == partition]
        nodes = [n for n in (data.get("parent"), *children) if isinstance(n, dict)]
        records = [{**node, **period, "asOf": as_of} for node in nodes]
        yield Batch("service_levels", partition, records, Checkpoint("service_levels", partition,
                                                                  Position("full_read", period["toDate"]).encode()))

    def _dossiers(self, partition: str, checkpoint: str | None, window: UpdateWindow | None) -> Iterator[Batch]:
        """Pages of one update window, each batch carrying where to resume after it.

        The listing is ordered by update time, so after a page every record updated before the
        page's latest update time has been read: an interrupted window resumes from that time, less
        the overlap (records out of order across a page boundary, ties), instead of starting the
        province over. Re-read records that did not change cost no write. A ``window`` bounds the read
        instead of the checkpoint and the clock (``window_read_start``).
        """
        stored = Position.decode(checkpoint, "portal_window")
        keeps_checkpoint = True
        if stored.unfinished and window is None:  # an interrupted window: finish it
            start, end = stored.resume_from, stored.window_end
        else:
            start = stored.resume_from if stored.unfinished else stored.next_start(self.overlap) or self.initial_watermark
            end = self.clock().strftime(PORTAL_DATE)
        if window is not None:
            window_start, window_end = window.local(LOCAL_ZONE)
            start, keeps_checkpoint = window_read_start(start, (window_start - self.overlap).strftime(PORTAL_DATE))
            end = min(end, window_end.strftime(PORTAL_DATE))
        for batch in self._window_pages(partition, stored, start, end):
            yield batch if keeps_checkpoint else replace(batch, checkpoint=None)

    def _window_pages(self, partition: str, window: Position, start: str, end: str) -> Iterator[Batch]:
        """The read's last batch carries its ``ReadCount``: the records of all its pages against the
        ``tongsobanghi`` of its last page. Offset paging hands over exactly that many records even when
        records move into or out of the window while it is paged (the others shift by as many places;
        the next run's overlap reads the ones that moved), so a difference means the portal served more
        or fewer records than it counted (a record twice across pages, a short page), not churn; only
        more records leaving between two pages than lie beyond the ones already read would show too.
        The overlap's re-read records are in both figures: the total is the query's, overlap included."""
        stream = "dossiers"
        watermark = window.watermark or self.initial_watermark
        page, fetched = 1, 0
        while True:
            reply = self.client.call("LayDanhSachHoSo", matinh=partition, tungay=start, denngay=end,
                                     trang=str(page), sobanghi=str(self.page_size))
            records = reply.get("result") or []
            reported = _reported_total(reply.get("tongsobanghi"))
            total = reported or 0
            fetched += len(records)
            stamps = _update_times(records, start, end)
            watermark = max([watermark, *stamps])
            last = not records or page * self.page_size >= total
            if last:
                position = window.finished(watermark)
            else:
                position = window.within(end, self._resume_point(stamps, start), watermark)
            yield Batch(stream, partition, records, Checkpoint(stream, partition, position.encode()),
                        read_end=ReadCount(fetched, reported, start, end) if last else None)
            if last:
                return
            page += 1

    def _resume_point(self, stamps: list[str], start: str) -> str:
        if not stamps:
            return start
        return max(portal_less(max(stamps), self.overlap), start)

    def probe(self) -> None:
        self.client.login()

    def close(self) -> None:
        self.client.close()
