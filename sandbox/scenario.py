"""Scenario files: which provinces, how many dossiers, which shares and defects, which clock, which faults.

A scenario may ``extends: <other scenario>`` and override any top-level key (e.g. a later
``as_of`` on the same national data). ``scale`` multiplies every province's volume (the knob
from a few hundred dossiers to national scale and beyond); ``basis`` says what volumes and
online rates count: ``all`` generated dossiers (default) or only the ``received`` ones, the
published definition (docs/metrics.md), extra refused and undated dossiers then come on top.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import yaml

SCENARIO_DIR = Path(__file__).parent / "scenarios"
BASES = ("all", "received")


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
    basis: str = "all"
    clock_speed: float = 0.0  # simulated seconds per real second; 0 = frozen at as_of
    faults: dict[str, dict[str, float]] = field(default_factory=dict)  # system -> fault -> rate

    def system(self, name: str) -> dict:
        return dict(self.systems.get(name) or {})

    def share(self, name: str) -> float:
        return float(self.shares.get(name, 0.0))

    def defect(self, name: str) -> float:
        return float(self.defects.get(name, 0.0))

    @property
    def total_dossiers(self) -> int:
        return sum(p.dossiers for p in self.provinces)

    def scaled(self, factor: float) -> "Scenario":
        volumes = tuple(replace(p, dossiers=max(1, round(p.dossiers * factor))) for p in self.provinces)
        return replace(self, provinces=volumes)


def _path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    return SCENARIO_DIR / f"{name_or_path}.yaml" if not path.suffix else path


def _raw(name_or_path: str | Path) -> dict:
    path = _path(name_or_path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "extends" in raw:
        parent_ref = raw.pop("extends")
        parent = _raw(parent_ref if Path(parent_ref).suffix else path.parent / f"{parent_ref}.yaml")
        raw = {**parent, **raw}
    return raw


def load_scenario(name_or_path: str | Path, scale: float | None = None) -> Scenario:
    raw = _raw(name_or_path)
    basis = raw.get("basis", "all")
    if basis not in BASES:
        raise ValueError(f"scenario basis must be one of {BASES}, got {basis!r}")
    faults = raw.get("faults") or {}
    if faults and not all(isinstance(v, dict) for v in faults.values()):
        faults = {"dvc_portal": faults}  # a flat section applies to the portal
    scenario = Scenario(
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
        basis=basis,
        clock_speed=float(raw.get("clock_speed", 0.0)),
        faults={system: {k: float(v) for k, v in rates.items()} for system, rates in faults.items()},
    )
    factor = scale if scale is not None else float(raw.get("scale", 1.0))
    return scenario.scaled(factor) if factor != 1.0 else scenario
