"""The lazy update-time index behind ``LayDanhSachHoSo``: O(page) per page, nothing materialised.

Listing order is (NgayCapNhat, dossier index). A dossier's update time is its receipt time
plus the offset of the last event of its lifecycle visible at the clock. Group the dossiers
by (template t, last visible event s): the group is {i = t (mod T), lo <= i < hi} with lo and
hi closed-form from the receipt schedule, and its update times r(i) + offset(t, s) grow with
i. So "how many dossiers were updated in [F, X)" is a sum of arithmetic-progression counts
over a few hundred groups, a page start is found by bisecting X, and a page is the union of
one short index range per group, sorted. Cost: O(groups * log(window) + page).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .generate import ProvinceDossiers


@dataclass(frozen=True)
class Groups:
    residue: np.ndarray  # template t: the group's indices are t (mod period)
    offset: np.ndarray   # seconds from receipt to the group's last visible event
    lo: np.ndarray       # index bounds of the group
    hi: np.ndarray


class UpdateIndex:
    def __init__(self, dossiers: ProvinceDossiers):
        self.dossiers = dossiers
        self.period = dossiers.lifecycles.count
        self._cached: tuple[int, Groups] | None = None

    def groups(self, as_of: int) -> Groups:
        cached = self._cached
        if cached is not None and cached[0] == as_of:
            return cached[1]
        table, count_until = self.dossiers.lifecycles, self.dossiers.schedule.count_until
        offsets = table.offsets
        following = np.concatenate([offsets[:, 1:], np.full((table.count, 1), offsets.max())], axis=1)
        valid = np.arange(offsets.shape[1])[None, :] < table.events[:, None]
        last_event = np.arange(offsets.shape[1])[None, :] == (table.events - 1)[:, None]
        # event s is the last visible one for i in [count(as_of - offset[s+1]), count(as_of - offset[s]))
        lo = np.where(last_event, 0, count_until(as_of - following))
        hi = count_until(as_of - offsets)
        residue = np.broadcast_to(np.arange(table.count)[:, None], offsets.shape)
        groups = Groups(residue[valid], offsets[valid], lo[valid], hi[valid])
        self._cached = (as_of, groups)
        return groups

    def _members(self, lo: np.ndarray, hi: np.ndarray, residue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First and end 'm' of the indices residue + period * m inside [lo, hi)."""
        first = -((residue - lo) // self.period)
        end = -((residue - np.maximum(hi, lo)) // self.period)
        return first, np.maximum(end, first)

    def _count_below(self, groups: Groups, floor_bound: np.ndarray, moment: int) -> int:
        """Dossiers with from <= updated < moment (``floor_bound``: per group, first index updated >= from)."""
        upper = np.minimum(groups.hi, self.dossiers.schedule.count_until(moment - 1 - groups.offset))
        first, end = self._members(floor_bound, upper, groups.residue)
        return int((end - first).sum())

    def window(self, updated_from: int, updated_to: int, as_of: int):
        """(groups, per-group lower index bound, clamped upper time) of the window [from, to)."""
        groups = self.groups(as_of)
        updated_to = min(updated_to, as_of + 1)  # nothing is updated after the clock
        floor_bound = np.maximum(groups.lo, self.dossiers.schedule.count_until(updated_from - 1 - groups.offset))
        return groups, floor_bound, updated_to

    def count(self, updated_from: int, updated_to: int, as_of: int) -> int:
        groups, floor_bound, updated_to = self.window(updated_from, updated_to, as_of)
        if updated_to <= updated_from:
            return 0
        return self._count_below(groups, floor_bound, updated_to)

    def page(self, updated_from: int, updated_to: int, as_of: int, offset: int, size: int) -> np.ndarray:
        """Indices of listing positions [offset, offset + size) of the window, in listing order."""
        groups, floor_bound, updated_to = self.window(updated_from, updated_to, as_of)
        if updated_to <= updated_from or self._count_below(groups, floor_bound, updated_to) <= offset:
            return np.empty(0, dtype=np.int64)
        below = lambda moment: self._count_below(groups, floor_bound, moment)  # noqa: E731
        start = self._last_time_with_at_most(below, offset, updated_from, updated_to)
        stop = self._last_time_with_at_most(below, offset + size, start, updated_to)
        # every dossier updated in [start, stop] (stop inclusive unless it is the window's end)
        upper = np.minimum(groups.hi, self.dossiers.schedule.count_until(min(stop, updated_to - 1) - groups.offset))
        lower = np.maximum(floor_bound, self.dossiers.schedule.count_until(start - 1 - groups.offset))
        first, end = self._members(lower, upper, groups.residue)
        lengths = end - first
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        within = np.arange(total) - np.repeat(ends - lengths, lengths)
        index = np.repeat(groups.residue + self.period * first, lengths) + self.period * within
        updated = self.dossiers.schedule.at(index) + np.repeat(groups.offset, lengths)
        order = np.lexsort((index, updated))
        skip = offset - below(start)
        return index[order[skip: skip + size]]

    @staticmethod
    def _last_time_with_at_most(count_below, limit: int, low: int, high: int) -> int:
        """Largest X in [low, high] with count_below(X) <= limit (count_below(low) <= limit holds)."""
        while low < high:
            middle = (low + high + 1) // 2
            if count_below(middle) <= limit:
                low = middle
            else:
                high = middle - 1
        return low
