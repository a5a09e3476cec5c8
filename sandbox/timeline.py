"""Simulated time: portal seconds, the receipt schedule of a province, and the portal's date text.

Times are integer seconds since 2000-01-01 00:00 local time (Asia/Ho_Chi_Minh, naive, as the
portal speaks). Dossier ``i`` of a province is received at a time that grows with ``i`` and
falls within office hours (07:30-17:00); the schedule is closed-form both ways, so "how many
dossiers were received by time X" costs O(1) and a time window maps to an index range.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

ORIGIN = datetime(2000, 1, 1)
DAY = 86_400
OPEN = 7 * 3600 + 1800          # 07:30
WORKDAY = 9 * 3600 + 1800       # until 17:00
PORTAL_DATE = "%Y%m%d%H%M%S"
_DAYS_COVERED = 60 * 366        # 2000 .. 2060

_DAY_TEXT = [(ORIGIN + timedelta(days=d)).strftime("%Y%m%d") for d in range(_DAYS_COVERED)]
_TIME_TEXT = [f"{s // 3600:02d}{s // 60 % 60:02d}{s % 60:02d}" for s in range(DAY)]


def seconds(moment: datetime | date) -> int:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    return int((moment - ORIGIN).total_seconds())


def to_datetime(value: int) -> datetime:
    return ORIGIN + timedelta(seconds=int(value))


def text(value: int) -> str:
    """yyyyMMddHHmmss of portal seconds (table lookups: this runs several times per dossier)."""
    return _DAY_TEXT[value // DAY] + _TIME_TEXT[value % DAY]


def parse(value: str) -> int:
    return seconds(datetime.strptime(value, PORTAL_DATE))


class ReceiptSchedule:
    """Receipt times of ``n`` dossiers spread evenly over the office hours of ``days`` days."""

    def __init__(self, start_day: date, days: int, n: int):
        self.start = seconds(start_day)
        self.n = n
        self.work = days * WORKDAY  # office seconds in the period

    def at(self, i: np.ndarray) -> np.ndarray:
        """Receipt time of dossier i: office second floor((i + 1/2) * work / n), non-decreasing in i."""
        office = ((2 * i + 1) * self.work) // (2 * self.n)
        return self.start + (office // WORKDAY) * DAY + OPEN + office % WORKDAY

    def count_until(self, moment):
        """How many dossiers are received at or before ``moment`` (scalar or array of seconds)."""
        moment = np.asarray(moment, dtype=np.int64)
        since = moment - self.start
        day, clock = since // DAY, since % DAY
        office = np.where(clock < OPEN, day * WORKDAY - 1,
                          np.where(clock >= OPEN + WORKDAY, day * WORKDAY + WORKDAY - 1, day * WORKDAY + clock - OPEN))
        office = np.clip(office, -1, self.work - 1)
        # i counts iff (2i + 1) * work < 2n (office + 1), i.e. i < (2n (office + 1) - work) / (2 work)
        numerator = 2 * self.n * (office + 1) - self.work
        counted = np.where(numerator > 0, -(-numerator // (2 * self.work)), 0)
        counted = np.minimum(counted, self.n)
        return counted if counted.ndim else int(counted)
