"""Status lifecycles (dvc_portal.md section 7.1), drawn once per province as a small table.

Every dossier follows one of ``LIFECYCLES`` templates (dossier i uses template i mod count):
the template fixes the procedure and the status events as offsets after receipt. Sharing
offsets is what keeps the simulator lazy: within one template, receipt time grows with i, so
the dossiers whose last visible event is event s form an index range whose update times grow
with i too. The listing index (listing.py) counts and pages those ranges without storing them.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from .catalogue import PROCEDURES

LIFECYCLES = 256
HOUR, DAY = 3600, 86_400
NEVER = np.int64(2**50)  # offset of an event a template does not have


@dataclass(frozen=True)
class Lifecycle:
    procedure: int                 # index into PROCEDURES
    statuses: tuple[int, ...]      # TrangThaiHoSo after each event
    offsets: tuple[int, ...]       # seconds after receipt, strictly increasing, first is 0
    due: int | None                # NgayHenTra - receipt, seconds; None when refused
    refused: bool


def draw_lifecycles(seed: int, count: int, refused_share: float) -> list[Lifecycle]:
    rng = random.Random(seed)
    refused = set(rng.sample(range(count), round(count * refused_share)))
    weights = [p.weight for p in PROCEDURES]
    return [_draw(rng, rng.choices(range(len(PROCEDURES)), weights)[0], t in refused) for t in range(count)]


def _draw(rng: random.Random, procedure: int, refused: bool) -> Lifecycle:
    if refused:
        return Lifecycle(procedure, (3,), (0,), None, True)
    days = PROCEDURES[procedure].processing_days
    due = int((days * 7 / 5 + 1) * DAY)
    events = [(2, 0), (4, int(rng.uniform(0.5, 8) * HOUR))]

    def after(status: int, low_days: float, high_days: float) -> None:
        events.append((status, events[-1][1] + max(60, int(rng.uniform(low_days, high_days) * DAY))))

    supplements = (rng.random() < 0.08) + (rng.random() < 0.02)  # repeated requests happen
    for _ in range(supplements):
        after(5, 0.5, 3)
        waited = events[-1][1]
        after(4, 1, 5)
        due += events[-1][1] - waited  # the clock stops while the citizen supplements
    if PROCEDURES[procedure].fee and rng.random() < 0.05:
        after(6, 0.2, 1)
        after(4, 0.2, 2)
    ending = rng.random()
    if ending < 0.01:
        after(7, 0.5, 2)  # withdrawn at the citizen's request
    elif ending < 0.02:
        after(8, 1, 4)    # processing stopped
    else:
        after(9, 0.2, days * 1.3 + 0.5)
        after(10, 0.1, 3)
    statuses, offsets = zip(*events)
    return Lifecycle(procedure, statuses, offsets, due, False)


class LifecycleTable:
    """The templates as numpy arrays, indexed by template number."""

    def __init__(self, lifecycles: list[Lifecycle]):
        self.count = len(lifecycles)
        width = max(len(c.offsets) for c in lifecycles)
        self.offsets = np.full((self.count, width), NEVER, dtype=np.int64)
        self.statuses = np.zeros((self.count, width), dtype=np.int64)
        for t, cycle in enumerate(lifecycles):
            self.offsets[t, : len(cycle.offsets)] = cycle.offsets
            self.statuses[t, : len(cycle.statuses)] = cycle.statuses
        self.events = np.array([len(c.offsets) for c in lifecycles], dtype=np.int64)
        self.procedure = np.array([c.procedure for c in lifecycles], dtype=np.int64)
        self.refused = np.array([c.refused for c in lifecycles], dtype=bool)
        self.due = np.array([-1 if c.due is None else c.due for c in lifecycles], dtype=np.int64)
        self.finished = self._offset_of(lifecycles, 9)
        self.handed_over = self._offset_of(lifecycles, 10)
        # rank of each non-refused template among the non-refused ones (for received ranks)
        kept = ~self.refused
        self.kept = int(kept.sum())
        self.kept_rank = np.cumsum(kept) - kept
        self.kept_residues = np.flatnonzero(kept)

    @staticmethod
    def _offset_of(lifecycles: list[Lifecycle], status: int) -> np.ndarray:
        return np.array([c.offsets[c.statuses.index(status)] if status in c.statuses else NEVER
                         for c in lifecycles], dtype=np.int64)
