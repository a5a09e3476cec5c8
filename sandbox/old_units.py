"""Pre-merger (before 1 July 2025) administrative units: 63 provinces, their districts and communes.

Records of the national and sectoral databases still carry these 2/3/5-digit codes (population_db.md
section 4), so simulators that mimic them pick addresses from here. Loaded once, on first use.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from mappings.admin_units import REFERENCE_DIR


@dataclass(frozen=True)
class OldCommune:
    province_code: str
    province_name: str
    district_code: str
    district_name: str
    code: str
    name: str


@lru_cache(maxsize=1)
def old_communes_by_province() -> dict[str, tuple[OldCommune, ...]]:
    raw = json.loads((REFERENCE_DIR / "admin_units_pre2025.json").read_text(encoding="utf-8"))
    result = {}
    for province in raw:
        result[province["Code"]] = tuple(
            OldCommune(province["Code"], province["FullName"], district["Code"], district["FullName"],
                       ward["Code"], ward["FullName"])
            for district in province["District"]
            for ward in district["Ward"] or ()  # island districts without communes
        )
    return result


def old_communes(province_code: str) -> tuple[OldCommune, ...]:
    return old_communes_by_province()[province_code]
