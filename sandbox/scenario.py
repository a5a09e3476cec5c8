"""Scenario files: which provinces, how many dossiers, which shares and defects, which clock, which faults.

A scenario may ``extends: <other scenario>`` and override any top-level key (e.g. a later
``as_of`` on the same national data). ``scale`` multiplies every province's volume (the knob
from a few hundred dossiers to national scale and beyond); ``basis`` says what volumes and
online rates count: ``all`` generated dossiers (default) or only the ``received`` ones, the
published definition (docs/metrics.md), extra refused and undated dossiers then come on top.
Every key is typed (``ScenarioFile``; docs/schemas/scenarios.md): a misspelt one fails loading
with the file, the key and the nearest valid name.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, field_validator

from mappings import strict_yaml
from mappings.strict_yaml import StrictModel, nearest

from .faults import ALL_FAULTS, PARAMETERS

SCENARIO_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    pass


class PeriodSpec(StrictModel):
    start: date = Field(description="first receipt date (local), inclusive")
    end: date = Field(description="last receipt date (local), inclusive")


class ProvinceSpec(StrictModel):
    code: str = Field(description="GSO province code (01…96)")
    dossiers: PositiveInt
    online_rate: float = Field(ge=0, le=1)


class SharesSpec(StrictModel):
    postal: float | None = Field(None, ge=0, le=1, description="of non-online dossiers: by post")
    no_channel: float | None = Field(None, ge=0, le=1, description="of non-online dossiers: channel left empty")
    pre_merger_code: float | None = Field(None, ge=0, le=1, description="province given with its pre-July-2025 code")
    refused: float | None = Field(None, ge=0, le=1, description="status 3, not received")


class DefectsSpec(StrictModel):
    missing_receipt_date: float | None = Field(None, ge=0, le=1, description="NgayTiepNhan and NgayNopHoSo empty")
    finish_before_receipt: float | None = Field(None, ge=0, le=1, description="NgayKetThucXuLy before NgayTiepNhan")
    nine_digit_owner_id: float | None = Field(None, ge=0, le=1, description="legacy 9-digit identity card")


class PopulationDbSpec(StrictModel):
    missing_share: float | None = Field(None, ge=0, le=1)
    unsplit_name_share: float | None = Field(None, ge=0, le=1)


class LandRegistrySpec(StrictModel):
    parcels: PositiveInt | None = None
    pre_merger_commune_share: float | None = Field(None, ge=0, le=1)


class CivilStatusSpec(StrictModel):
    events_per_day: PositiveInt | None = None


class SocialInsuranceSpec(StrictModel):
    participants: PositiveInt | None = None


class MonitoringSpec(StrictModel):
    start: date | None = None
    end: date | None = None


class SystemsSpec(StrictModel):
    """Sizes and options of the other simulators (sandbox/stack.py)."""

    population_db: PopulationDbSpec = PopulationDbSpec()
    land_registry: LandRegistrySpec = LandRegistrySpec()
    civil_status: CivilStatusSpec = CivilStatusSpec()
    social_insurance: SocialInsuranceSpec = SocialInsuranceSpec()
    monitoring: MonitoringSpec = MonitoringSpec()


FAULT_SYSTEMS = tuple(SystemsSpec.model_fields) + ("dvc_portal",)


class ScenarioFile(StrictModel):
    """A scenario file after ``extends`` is resolved (its keys override the parent's)."""

    name: str
    seed: int = Field(description="every generated value is a function of the seed: same seed, same data")
    period: PeriodSpec
    as_of: datetime = Field(description="the simulated portal's clock, naive local time")
    provinces: tuple[ProvinceSpec, ...]
    shares: SharesSpec = SharesSpec()
    defects: DefectsSpec = DefectsSpec()
    session_ttl_seconds: PositiveInt = Field(1800, description="the portal's session lifetime")
    systems: SystemsSpec = SystemsSpec()
    basis: Literal["all", "received"] = Field("all", description="what volumes and online rates count")
    clock_speed: NonNegativeFloat = Field(0.0, description="simulated seconds per real second; 0 = frozen")
    faults: dict[str, dict[str, float]] = Field(default_factory=dict,
                                                description="system -> fault or parameter -> rate (a flat "
                                                            "section applies to the portal)")
    scale: PositiveFloat = Field(1.0, description="multiplies every province's volume")
    extends: str | None = Field(None, description="the scenario this one overrides")

    @field_validator("faults", mode="before")
    @classmethod
    def _faults(cls, value):
        value = value or {}
        if value and not all(isinstance(rates, dict) for rates in value.values()):
            value = {"dvc_portal": value}  # a flat section applies to the portal
        for system, rates in value.items():
            if system not in FAULT_SYSTEMS:
                raise ValueError(f"unknown system {system!r}{nearest(system, FAULT_SYSTEMS, 'systems')}")
            for name in rates:
                if name not in ALL_FAULTS + PARAMETERS:
                    raise ValueError(f"{system}: unknown fault {name!r}{nearest(name, ALL_FAULTS + PARAMETERS, 'faults')}")
        return value


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
    if isinstance(raw, dict) and "extends" in raw:
        parent_ref = raw.pop("extends")
        parent = _raw(parent_ref if Path(parent_ref).suffix else path.parent / f"{parent_ref}.yaml")
        raw = {**parent, **raw}
    return raw


def load_scenario(name_or_path: str | Path, scale: float | None = None) -> Scenario:
    declared = strict_yaml.validate(ScenarioFile, _raw(name_or_path), _path(name_or_path), ScenarioError)
    scenario = Scenario(
        name=declared.name,
        seed=declared.seed,
        period_start=declared.period.start,
        period_end=declared.period.end,
        as_of=declared.as_of,
        provinces=tuple(ProvinceVolume(p.code, p.dossiers, p.online_rate) for p in declared.provinces),
        shares=declared.shares.model_dump(exclude_none=True),
        defects=declared.defects.model_dump(exclude_none=True),
        session_ttl_seconds=declared.session_ttl_seconds,
        systems={name: spec.model_dump(exclude_none=True, mode="json") for name, spec in declared.systems},
        basis=declared.basis,
        clock_speed=declared.clock_speed,
        faults=declared.faults,
    )
    factor = scale if scale is not None else declared.scale
    return scenario.scaled(factor) if factor != 1.0 else scenario
