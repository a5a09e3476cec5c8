"""What the simulators served and which defects they injected, so tests can check the hub
caught exactly those.

Every simulator writes here: ``served`` for each record it handed out (by stream and natural
key), ``fault`` for each transport fault (5xx, 429, reset, ...), ``defect`` for each record it
corrupted on purpose (invalid ID, NFD text, missing mandatory field, ...). Counters are always
kept; the sets of keys only when ``keep_keys`` is on (tests), so benchmarks stay flat in memory.
"""
from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Ledger:
    keep_keys: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    counts: Counter = field(default_factory=Counter)  # (system, kind, name) -> n
    served_keys: dict = field(default_factory=lambda: defaultdict(set))  # (system, stream) -> keys
    defect_keys: dict = field(default_factory=lambda: defaultdict(set))  # (system, defect) -> keys
    fault_events: list = field(default_factory=list)  # (system, fault, where), in order; with keep_keys

    def served(self, system: str, stream: str, keys) -> None:
        keys = list(keys)
        with self._lock:
            self.counts[(system, "served", stream)] += len(keys)
            if self.keep_keys:
                self.served_keys[(system, stream)].update(keys)

    def fault(self, system: str, name: str, where: str = "") -> None:
        with self._lock:
            self.counts[(system, "fault", name)] += 1
            if self.keep_keys:
                self.fault_events.append((system, name, where))

    def defect(self, system: str, name: str, key: str) -> None:
        with self._lock:
            self.counts[(system, "defect", name)] += 1
            if self.keep_keys:
                self.defect_keys[(system, name)].add(key)

    def faults(self, system: str) -> dict[str, int]:
        with self._lock:
            return {name: n for (s, kind, name), n in self.counts.items() if s == system and kind == "fault"}

    def defects(self, system: str) -> dict[str, int]:
        with self._lock:
            return {name: n for (s, kind, name), n in self.counts.items() if s == system and kind == "defect"}

    def served_count(self, system: str, stream: str) -> int:
        with self._lock:
            return self.counts[(system, "served", stream)]

    def summary(self, system: str) -> dict:
        """What the control endpoint shows: counters, and the keys when they are kept."""
        with self._lock:
            mine = {(kind, name): n for (s, kind, name), n in self.counts.items() if s == system}
            result = {
                "served": {name: n for (kind, name), n in mine.items() if kind == "served"},
                "faults": {name: n for (kind, name), n in mine.items() if kind == "fault"},
                "defects": {name: n for (kind, name), n in mine.items() if kind == "defect"},
                "keep_keys": self.keep_keys,
            }
            if self.keep_keys:
                result["defect_keys"] = {name: sorted(keys) for (s, name), keys in self.defect_keys.items() if s == system}
                result["fault_events"] = [[name, where] for s, name, where in self.fault_events if s == system]
            return result

    def keys_served(self, system: str, stream: str) -> set:
        with self._lock:
            return set(self.served_keys[(system, stream)])

    def keys_with_defect(self, system: str, defect: str) -> set:
        with self._lock:
            return set(self.defect_keys[(system, defect)])

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.served_keys.clear()
            self.defect_keys.clear()
            self.fault_events.clear()
