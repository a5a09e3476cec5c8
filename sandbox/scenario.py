"""Scenario files: which provinces, how many dossiers, which shares and defects, which clock."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

SCENARIO_DIR = Path(__file__).parent / "scenarios"


@dataclass(frozen=True)
class ProvinceVolume:
    code: str
    dossiers: int
    online_rate: float


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    period_start: date
    period_end: date
    as_of: datetime  # naive local time (Asia/Ho_Chi_Minh), as the portal speaks
    provinces: tuple[ProvinceVolume, ...]
    shares: dict[str, float] = field(default_factory=dict)
    defects: dict[str, float] = field(default_factory=dict)
    session_ttl_seconds: int = 1800
    systems: dict[str, dict] = field(default_factory=dict)  # per-simulator options (sizes, shares)
    faults: dict[str, dict[str, float]] = field(default_factory=dict)  # system -> fault -> rate

    def system(self, name: str) -> dict:
        return dict(self.systems.get(name) or {})

    def share(self, name: str) -> float:
        return float(self.shares.get(name, 0.0))

    def defect(self, name: str) -> float:
        return float(self.defects.get(name, 0.0))


def load_scenario(name_or_path: str | Path) -> Scenario:
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Scenario(
        name=raw["name"],
        seed=int(raw["seed"]),
        period_start=date.fromisoformat(raw["period"]["start"]),
        period_end=date.fromisoformat(raw["period"]["end"]),
        as_of=datetime.fromisoformat(raw["as_of"]),
        provinces=tuple(
            ProvinceVolume(code=str(p["code"]), dossiers=int(p["dossiers"]), online_rate=float(p["online_rate"]))
            for p in raw["provinces"]
        ),
        shares=raw.get("shares", {}),
        defects=raw.get("defects", {}),
        session_ttl_seconds=int(raw.get("session_ttl_seconds", 1800)),
        systems=raw.get("systems") or {},
        faults=raw.get("faults") or {},
    )
