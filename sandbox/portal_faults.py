"""Data and protocol faults of the portal simulator, applied to what ``LayDanhSachHoSo`` serves.

Cross-page faults act on a page boundary, decided per (window, boundary) so the two pages
that share it agree: ``out_of_order`` swaps the records on either side (nothing is lost, the
order is broken), ``duplicate_records`` serves the last record of the previous page again.
Record faults are decided per dossier (``MaHoSo``), so a record read twice is corrupted the
same way. Every corrupted dossier is recorded in the ledger under the fault's name.
``miscounted_total`` is decided per read window (province, tungay, denngay): the window's
``tongsobanghi`` counts more records than its pages serve; the ledger keeps the window
(``"Hxx|tungay|denngay"``) under that name.
"""
from __future__ import annotations

import unicodedata
import zlib
from datetime import datetime
from typing import Callable

from mappings.timeparse import LOCAL_ZONE

from . import timeline
from .faults import FaultSwitches
from .ledger import Ledger

SYSTEM = "dvc_portal"
TEXT_FIELDS = ("ChuHoSo", "TenTTHC", "TenLinhVuc", "TrichYeuHoSo", "DonViXuLy")
MANDATORY = ("MaTTHC", "TrangThaiHoSo", "MaTinh")
RECORD_FAULTS = ("schema_drift", "unicode_nfd", "invalid_id", "future_date", "missing_mandatory")
FUTURE = 400 * timeline.DAY


class PortalDataFaults:
    def __init__(self, switches: FaultSwitches, ledger: Ledger):
        self.switches, self.ledger = switches, ledger

    def session_expired(self) -> bool:
        if self.switches.roll("session_expiry"):
            self.ledger.fault(SYSTEM, "session_expiry", "LayDanhSachHoSo")
            return True
        return False

    def active(self) -> bool:
        """Whether any listing fault could fire (else the listing may skip building records as dicts)."""
        return any(self.switches.rate(name) > 0 for name in RECORD_FAULTS + ("duplicate_records", "out_of_order"))

    def apply(self, records: list[dict], *, window: str, offset: int, size: int, total: int,
              fetch: Callable[[int], dict], as_of: int) -> list[dict]:
        records = self._across_pages(records, window, offset, size, total, fetch)
        if any(self.switches.rate(name) > 0 for name in RECORD_FAULTS):  # the fault-free hot path skips this
            for record in records:
                self._corrupt(record, as_of)
        return records

    def _across_pages(self, records, window, offset, size, total, fetch):
        if not records:
            return records
        end = offset + len(records)
        # a boundary b swaps positions b-1 and b; only when both of its pages hold two records or more
        if size >= 2 and offset > 0 and offset + 2 <= total and self._boundary("out_of_order", window, offset):
            records[0] = fetch(offset - 1)
            self._note("out_of_order", records[0]["MaHoSo"])
        if size >= 2 and end < total and end + 2 <= total and self._boundary("out_of_order", window, end):
            records[-1] = fetch(end)
            self._note("out_of_order", records[-1]["MaHoSo"])
        if offset > 0 and self._boundary("duplicate_records", window, offset):
            again = fetch(offset - 1)
            self._note("duplicate_records", again["MaHoSo"])
            records.insert(0, again)
        return records

    def reported_total(self, total: int, window: str, first_page: bool) -> int:
        """``tongsobanghi`` as the portal states it: with ``miscounted_total``, a window's total counts 1–3
        records more than its pages serve (records counted but not listed), decided per window so every
        page of one read states the same total. Recorded once per window, on its first page."""
        if not self.switches.roll_for("miscounted_total", window):
            return total
        if first_page:
            self.ledger.defect(SYSTEM, "miscounted_total", window)
        return total + 1 + zlib.crc32(window.encode()) % 3

    def _boundary(self, name: str, window: str, position: int) -> bool:
        return self.switches.roll_for(name, f"{window}|{position}")

    def _corrupt(self, record: dict, as_of: int) -> None:
        key, rolls = record["MaHoSo"], self.switches.roll_for
        if rolls("schema_drift", key):
            record["KenhNopHoSo"] = record.pop("KenhThucHien")  # renamed upstream
            record["PhienBanDuLieu"] = "2.1"                    # and a field nobody announced
            self._note("schema_drift", key)
        if rolls("unicode_nfd", key):
            for name in TEXT_FIELDS:
                record[name] = unicodedata.normalize("NFD", record[name])
            self._note("unicode_nfd", key)
        if rolls("invalid_id", key):
            invalid = record["SoGiayToChuHoSo"][:-2] + "X" + record["SoGiayToChuHoSo"][-1:]
            record["SoGiayToChuHoSo"] = invalid
            record["DinhDanhCHS"] = [{**entry, "SoDinhDanh": invalid} for entry in record["DinhDanhCHS"]]
            self._note("invalid_id", key)
        if rolls("future_date", key):
            # future for any reader: past the simulated clock and the real one
            base = max(as_of, timeline.seconds(datetime.now(LOCAL_ZONE).replace(tzinfo=None)))
            record["NgayTiepNhan"] = record["NgayNopHoSo"] = timeline.text(base + FUTURE)
            self._note("future_date", key)
        if rolls("missing_mandatory", key):
            record.pop(MANDATORY[zlib.crc32(key.encode()) % len(MANDATORY)])
            self._note("missing_mandatory", key)

    def _note(self, name: str, key: str) -> None:
        self.ledger.defect(SYSTEM, name, key)
