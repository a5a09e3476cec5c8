"""The simulated portal clock: frozen at the scenario's ``as_of`` unless moved.

Dossiers age with it (later statuses become visible, new dossiers are received), so an
incremental sync sees updates as well as inserts. Move it from Python (``set``/``advance``),
through the control endpoint, or let it run at ``speed`` simulated seconds per real second.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime

from . import timeline


class SimClock:
    def __init__(self, as_of: datetime, speed: float = 0.0):
        self._lock = threading.Lock()
        self._base = timeline.seconds(as_of)
        self._started = time.monotonic()
        self.speed = speed

    def now(self) -> int:
        """Portal seconds (timeline.py)."""
        with self._lock:
            return self._base + int((time.monotonic() - self._started) * self.speed)

    def now_datetime(self) -> datetime:
        return timeline.to_datetime(self.now())

    def set(self, as_of: datetime, speed: float | None = None) -> None:
        with self._lock:
            self._base, self._started = timeline.seconds(as_of), time.monotonic()
            if speed is not None:
                self.speed = speed

    def advance(self, seconds: int) -> None:
        with self._lock:
            self._base += int(seconds)
