"""Administrative-unit reference data and the pre-merger crosswalk.

Two code systems live side by side: GSO codes (01..96, 5-digit communes) and the portal's
department codes (Hxx). Pre-July-2025 province codes map to the unit that absorbed them;
note that seven new provinces carry their partner's GSO code (admin_units.md section 3).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

REFERENCE_DIR = Path(__file__).parent / "reference"
MERGER_EFFECTIVE = date(2025, 7, 1)  # the two-level units (34 provinces, no districts) in force


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    full_name: str
    name_en: str
    unit_type: str  # "city" | "province"
    dvcqg_code: str
    formed_from: tuple[str, ...]


@dataclass(frozen=True)
class Commune:
    code: str
    province_code: str
    name: str
    full_name: str
    unit_type: str  # "ward" | "commune" | "special_zone"


@dataclass(frozen=True)
class OldProvince:
    code: str
    full_name: str
    new_code: str


_UNIT_TYPES = {"province": "province", "municipality": "city", "city": "city"}


def _commune_type(raw: dict) -> str:
    short = raw.get("AdministrativeUnitShortNameEn", "").lower()
    if "ward" in short:
        return "ward"
    if "special" in short:
        return "special_zone"
    return "commune"


@dataclass(frozen=True)
class CommuneLink:
    old_code: str
    new_code: str
    partial: bool


AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class AdminUnits:
    provinces: dict[str, Province]
    communes: dict[str, Commune]
    old_provinces: dict[str, OldProvince]
    commune_links: tuple[CommuneLink, ...] = ()

    @property
    def by_dvcqg(self) -> dict[str, Province]:
        return {p.dvcqg_code: p for p in self.provinces.values()}

    def communes_of(self, province_code: str) -> list[Commune]:
        return [c for c in self.communes.values() if c.province_code == province_code]

    def province_crosswalk(self) -> dict[str, str]:
        """Every province code a record may carry (new GSO, old GSO, DVCQG Hxx) -> new GSO code.

        Pre-merger codes that a new unit kept (the code donors) map to themselves, which is right
        for the unit that carries the code today.
        """
        mapping = {code: old.new_code for code, old in self.old_provinces.items()}
        mapping.update({code: code for code in self.provinces})
        mapping.update({p.dvcqg_code: p.code for p in self.provinces.values()})
        return mapping

    def old_commune_resolution(self) -> dict[str, str]:
        """Pre-merger commune code -> the new commune that took it over, or AMBIGUOUS.

        An old commune split across several new ones resolves to the one that received it
        whole, else to the one that kept its code; otherwise it cannot be attributed.
        """
        links: dict[str, list[CommuneLink]] = {}
        for link in self.commune_links:
            links.setdefault(link.old_code, []).append(link)
        resolution = {}
        for old, targets in links.items():
            whole = [t for t in targets if not t.partial]
            if len(targets) == 1:
                resolution[old] = targets[0].new_code
            elif len(whole) == 1:
                resolution[old] = whole[0].new_code
            elif any(t.new_code == old for t in targets):
                resolution[old] = old
            else:
                resolution[old] = AMBIGUOUS
        return resolution


@lru_cache(maxsize=1)
def load_admin_units() -> AdminUnits:
    table = yaml.safe_load((REFERENCE_DIR / "provinces_2025.yaml").read_text(encoding="utf-8"))
    extra = {row["code"]: row for row in table["provinces"]}
    raw_2025 = json.loads((REFERENCE_DIR / "admin_units_2025.json").read_text(encoding="utf-8"))
    provinces: dict[str, Province] = {}
    communes: dict[str, Commune] = {}
    for raw in raw_2025:
        code = raw["Code"]
        provinces[code] = Province(
            code=code,
            name=raw["Name"],
            full_name=raw["FullName"],
            name_en=raw["NameEn"],
            unit_type=_UNIT_TYPES.get(raw["AdministrativeUnitShortNameEn"].lower(), "province"),
            dvcqg_code=extra[code]["dvcqg"],
            formed_from=tuple(extra[code]["formed_from"]),
        )
        for ward in raw["Wards"]:
            communes[ward["Code"]] = Commune(
                code=ward["Code"],
                province_code=code,
                name=ward["Name"],
                full_name=ward["FullName"],
                unit_type=_commune_type(ward),
            )
    new_of_old = {old: p.code for p in provinces.values() for old in p.formed_from}
    raw_old = json.loads((REFERENCE_DIR / "admin_units_pre2025.json").read_text(encoding="utf-8"))
    old_provinces = {
        raw["Code"]: OldProvince(code=raw["Code"], full_name=raw["FullName"], new_code=new_of_old[raw["Code"]])
        for raw in raw_old
    }
    with (REFERENCE_DIR / "commune_crosswalk_2025.csv").open(encoding="utf-8") as fh:
        links = tuple(CommuneLink(r["old_code"], r["new_code"], r["partial"] == "1") for r in csv.DictReader(fh))
    return AdminUnits(provinces=provinces, communes=communes, old_provinces=old_provinces, commune_links=links)
