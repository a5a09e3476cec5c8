"""Fault switches: per system, switchable at run time (Python or the control endpoint) and by scenario.

A switch is a rate in [0, 1]: the share of calls (transport faults) or records (data faults)
affected. Call rolls come from a seeded generator, so a scenario replays the same faults;
``roll_for`` rolls per key (a dossier, a page boundary), so a record read twice is corrupted
the same way both times and two pages agree on the boundary they share.
"""
from __future__ import annotations

import random
import zlib
import threading
from dataclasses import dataclass, field

# Transport faults any HTTP simulator can suffer (applied by middleware around the app).
HTTP_FAULTS = ("latency", "http_5xx", "http_429", "reset", "timeout", "truncated_json")
# Data and protocol faults a simulator applies to what it serves.
DATA_FAULTS = ("duplicate_records", "out_of_order", "session_expiry", "soap_fault", "schema_drift",
               "unicode_nfd", "invalid_id", "future_date", "missing_mandatory", "report_drift",
               "miscounted_total")
ALL_FAULTS = HTTP_FAULTS + DATA_FAULTS
# Tunable durations (seconds), settable beside the rates.
PARAMETERS = ("latency_seconds", "retry_after_seconds", "timeout_seconds")


@dataclass
class FaultSwitches:
    """The switches of one system."""

    seed: int = 0
    rates: dict[str, float] = field(default_factory=dict)
    latency_seconds: float = 0.2
    retry_after_seconds: float = 1.0
    timeout_seconds: float = 65.0  # longer than the portal clients' 60 s read timeout
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _remaining: dict[str, int] = field(default_factory=dict, repr=False)  # faults limited in count

    def __post_init__(self):
        self._rng = random.Random(self.seed)
        for name in self.rates:
            _check(name)

    def set(self, name: str, rate: float, times: int | None = None) -> None:
        """Switch a fault to ``rate``; with ``times`` it fires at most that many times, then switches off."""
        _check(name)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        with self._lock:
            self.rates[name] = rate
            if times is None:
                self._remaining.pop(name, None)
            else:
                self._remaining[name] = int(times)

    def update(self, settings: dict) -> None:
        """Rates, parameters and ``times`` limits at once (the control endpoint's body); validated first."""
        settings = dict(settings)
        times = {k: int(v) for k, v in (settings.pop("times", None) or {}).items()}
        rates = {k: float(v) for k, v in settings.items() if k not in PARAMETERS}
        for name, rate in rates.items():
            _check(name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        params = {k: float(v) for k, v in settings.items() if k in PARAMETERS}
        if any(v < 0 for v in params.values()):
            raise ValueError("durations must not be negative")
        for name in times:
            _check(name)
        with self._lock:
            self.rates.update(rates)
            self._remaining.update(times)
            for name, value in params.items():
                setattr(self, name, value)

    def snapshot(self) -> dict:
        with self._lock:
            return {"rates": dict(self.rates), "times": dict(self._remaining),
                    **{name: getattr(self, name) for name in PARAMETERS}}

    def clear(self) -> None:
        with self._lock:
            self.rates.clear()
            self._remaining.clear()

    def rate(self, name: str) -> float:
        return self.rates.get(name, 0.0)

    def roll(self, name: str) -> bool:
        rate = self.rates.get(name, 0.0)
        if rate <= 0.0:
            return False
        with self._lock:
            fired = self._rng.random() < rate
            if fired and name in self._remaining:
                self._remaining[name] -= 1
                if self._remaining[name] <= 0:
                    del self._remaining[name]
                    self.rates.pop(name, None)
            return fired


    def roll_for(self, name: str, key: str) -> bool:
        """A roll that depends only on (seed, fault, key): the same key always gets the same answer."""
        rate = self.rates.get(name, 0.0)
        if rate <= 0.0:
            return False
        return zlib.crc32(f"{self.seed}|{name}|{key}".encode()) / 2**32 < rate


def _check(name: str) -> None:
    if name not in ALL_FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(ALL_FAULTS)}")
